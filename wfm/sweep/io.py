"""Reading a store: :func:`load` (pandas DataFrame, or xarray Dataset on request), :func:`export`, :func:`status`,
:func:`stale` and :func:`prune`.

Stale records: a record is *stale* when its task, described by its experiment, parameters and seed, would
today have another hash (``wfm.experiments.task_hash``): a default of the experiment or of the method changed, a
method got a new option, the experiment's version was bumped, or the record was written before task identities
included defaults and versions (store schema 1). Running the sweep again computes such tasks under their
current identity; :func:`load` leaves stale records out unless asked (``stale=True``); :func:`prune` deletes
them.

pandas is a dependency; xarray (for ``xarray=True`` and netCDF) and pyarrow (for Parquet) are optional: asking
for them without the package installed raises an ``ImportError`` that names the package to install.
"""
from __future__ import annotations

import importlib
import json
import os
import warnings

import numpy as np

from .spec import load_spec
from .store import STATUSES, Store

__all__ = ["load", "export", "status", "stale", "prune", "failures", "EXPORT_FORMATS"]

EXPORT_FORMATS = ("csv", "parquet", "netcdf")
_META_FRONT = ["experiment", "hash", "seed"]
_META_BACK = ["status", "attempts", "version", "host", "wall_time", "started_at", "finished_at", "error",
              "experiment_version"]


def _optional(module, purpose):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{purpose} needs the optional package {module!r}, which is not installed "
                          f"(pip install {module})") from None


def load(path, *, experiment=None, status="done", xarray=False, stale=False):
    """The records of a store as a pandas DataFrame: one row per task, one column per parameter, result and
    metadata field.

    Columns: ``experiment, hash, seed``, the parameters (only those given in the spec; defaults are not
    filled in), the results (arrays as ``numpy.ndarray`` cells), then ``status, attempts, version, host,
    wall_time, started_at, finished_at, error, experiment_version``. ``status``: which tasks (``"done"`` by
    default; a list, or ``None`` for all). ``stale``: False (default) leaves out the stale records (module
    docstring; a warning says how many), True keeps them and adds a boolean column ``stale``.
    ``xarray=True`` returns an ``xarray.Dataset`` instead (one experiment only; see :func:`to_xarray`).
    """
    import pandas as pd

    if experiment is not None and not isinstance(experiment, str):
        raise TypeError(f"experiment must be a name (str), got {experiment!r}")
    if not isinstance(stale, bool):
        raise TypeError(f"stale must be True or False, got {stale!r}")
    if xarray:
        _optional("xarray", "load(..., xarray=True)")
    with Store(path, readonly=True) as st:
        old = _stale(st, statuses=STATUSES)
        records, param_cols, result_cols = [], {}, {}
        left_out = 0
        for row in st.rows(experiment=experiment, status=status):
            if row["hash"] in old and not stale:
                left_out += 1
                continue
            rec = {k: row[k] for k in _META_FRONT}
            for k, v in row["params"].items():
                rec[k] = v
                param_cols[k] = None
            for k, v in row["result"].items():
                rec[k] = v
                result_cols[k] = None
            for k in _META_BACK:
                rec[k] = row[k]
            if stale:
                rec["stale"] = row["hash"] in old
            records.append(rec)
    if left_out:
        warnings.warn(f"{path}: {left_out} stale record(s) left out (computed under another task identity: "
                      f"{_reasons_text(old)}); run their sweep again to compute them as they are defined now, "
                      "or load(..., stale=True) to include them", StaleRecordsWarning, stacklevel=2)
    columns = (_META_FRONT + list(param_cols) + [c for c in result_cols if c not in param_cols] + _META_BACK
               + (["stale"] if stale else []))
    df = pd.DataFrame.from_records(records, columns=columns)
    df.attrs["params"] = list(param_cols)
    df.attrs["results"] = list(result_cols)
    if xarray:
        return to_xarray(df)
    return df


class StaleRecordsWarning(UserWarning):
    """:func:`load` left out records computed under another task identity."""


def _diff(old: dict, new: dict, prefix="") -> list:
    """``["key: old -> new", ...]`` between two identity dicts (nested tables by dotted key)."""
    out = []
    absent = object()
    show = lambda v: "(absent)" if v is absent else json.dumps(v)  # noqa: E731
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k, absent), new.get(k, absent)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(_diff(a, b, f"{prefix}{k}."))
        elif a is absent or b is absent or json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
            out.append(f"{prefix}{k}: {show(a)} -> {show(b)}")
    return out


def _why(ident_json, current: dict) -> str:
    if ident_json is None:
        return "computed before task identities included defaults and experiment versions (store schema 1)"
    try:
        old = json.loads(ident_json)
    except json.JSONDecodeError:
        return "unreadable identity"
    changes = []
    if old.get("version") != current.get("version"):
        changes.append(f"experiment version {old.get('version')} -> {current.get('version')}")
    changes += _diff(old.get("params") or {}, current.get("params") or {})
    return "; ".join(changes) or "identity changed"


def _stale(st: Store, statuses=("done", "failed")) -> dict:
    """``{hash: (experiment, reason)}`` for the stale tasks of ``st`` with these statuses.

    Each distinct parameter set is validated and resolved once (the seed only enters the final hash). A record
    whose experiment is not registered in this process cannot be judged and is not counted.
    """
    from .. import experiments as E

    out, cache = {}, {}
    for h, name, params_json, seed, ident in st.keys(statuses):
        key = (name, params_json)
        if key not in cache:
            try:
                exp = E.get(name)
            except ValueError:
                cache[key] = None  # not registered here: cannot tell
                continue
            params = json.loads(params_json)
            try:
                exp.validate(params, seed if exp.seeded else None)
                base = E.canonical_identity(name, params)
                # the identity's JSON around its seed: a record whose stored identity reads the same is current
                # (its hash is that of this text) without hashing it again
                head, _, tail = E.hash_with_seed(base, None)[1].rpartition(',"seed":null,')
                cache[key] = (base, head + ',"seed":', "," + tail)
            except (TypeError, ValueError) as exc:
                cache[key] = f"its parameters are not valid today: {exc}"
        entry = cache[key]
        if entry is None:
            continue
        if isinstance(entry, str):
            out[h] = (name, entry)
            continue
        base, head, tail = entry
        if ident is not None and ident == head + ("null" if seed is None else str(int(seed))) + tail:
            continue
        now, text = E.hash_with_seed(base, seed)
        if now != h:
            out[h] = (name, _why(ident, json.loads(text)))
    return out


def _reasons_text(stale_map: dict, limit=3) -> str:
    from collections import Counter

    counts = Counter(reason for _, reason in stale_map.values())
    parts = [f"{reason} ({n})" for reason, n in counts.most_common(limit)]
    if len(counts) > limit:
        parts.append(f"{len(counts) - limit} other reason(s)")
    return "; ".join(parts)


def stale(path) -> dict:
    """The stale records of a store (module docstring), by experiment: ``{experiment: {"count": n,
    "reasons": {reason: n}}}`` (finished and failed tasks; pending ones are never computed as they are)."""
    from collections import Counter

    with Store(path, readonly=True) as st:
        found = _stale(st)
    out = {}
    for name, reason in found.values():
        entry = out.setdefault(name, {"count": 0, "reasons": Counter()})
        entry["count"] += 1
        entry["reasons"][reason] += 1
    return {k: {"count": v["count"], "reasons": dict(v["reasons"].most_common())} for k, v in out.items()}


def prune(path) -> int:
    """Delete the stale records of a store (and stale tasks never run); return how many rows went."""
    with Store(path, readonly=True) as st:
        hashes = list(_stale(st, statuses=("done", "failed", "pending")))
    if not hashes:
        return 0
    with Store(path) as st:
        return st.delete(hashes)


def to_xarray(df):
    """An ``xarray.Dataset`` from a :func:`load` DataFrame of one experiment.

    Dimensions: the parameters that vary, and ``seed`` if there are several; constant parameters become
    attributes. Scalar results become variables over those dimensions (NaN where a combination is absent, e.g.
    for ``[zip]`` axes); an array result whose cells all have the same shape becomes a variable with extra
    dimensions ``<name>_0, <name>_1, ...``; arrays of differing shapes are left out with a warning.
    """
    xr = _optional("xarray", "to_xarray")
    if df["experiment"].nunique() > 1:
        raise ValueError(f"experiment: the store holds several experiments ({', '.join(sorted(df['experiment'].unique()))});"
                         " pick one with experiment=...")
    params = df.attrs.get("params", [])
    results = df.attrs.get("results", [])
    dims = [p for p in params if df[p].map(_hashable).nunique() > 1]
    if df["seed"].nunique() > 1:
        dims.append("seed")
    attrs = {"experiment": str(df["experiment"].iloc[0]) if len(df) else ""}
    for p in params:
        if p not in dims and len(df):
            v = df[p].iloc[0]
            v = v.item() if isinstance(v, np.generic) else v
            # netCDF attributes: numbers and strings only (bool -> 0/1, lists/tables/None -> JSON)
            attrs[p] = int(v) if isinstance(v, bool) else (json.dumps(v) if isinstance(v, (list, dict)) or v is None else v)
    scalar_cols = [c for c in results if not df[c].map(lambda v: isinstance(v, np.ndarray)).any()]
    array_cols = [c for c in results if c not in scalar_cols]
    frame = df[dims + scalar_cols + ["wall_time", "hash"]].copy()
    for d in dims:
        frame[d] = frame[d].map(_hashable)
    if dims:
        if frame.duplicated(dims).any():
            raise ValueError("cannot index records by " + ", ".join(dims) + ": duplicate combinations")
        ds = frame.set_index(dims).to_xarray()
    else:
        ds = xr.Dataset({c: ("record", frame[c].to_numpy()) for c in frame.columns})
    for c in array_cols:
        shapes = {v.shape for v in df[c] if isinstance(v, np.ndarray)}
        dtypes = {v.dtype for v in df[c] if isinstance(v, np.ndarray)}
        if len(shapes) != 1:
            warnings.warn(f"to_xarray: result {c!r} has arrays of different shapes {sorted(shapes)}; left out")
            continue
        (shape,) = shapes
        dtype = np.result_type(*dtypes)
        if dims:
            sizes = [ds.sizes[d] for d in dims]
            fill = np.nan if dtype.kind in "fc" else 0
            if dtype.kind in "biu" and not df[c].map(lambda v: isinstance(v, np.ndarray)).all():
                dtype = np.dtype(float)
                fill = np.nan
            data = np.full(sizes + list(shape), fill, dtype=dtype)
            present = np.zeros(sizes, dtype=bool)
            pos = [ds.indexes[d].get_indexer(frame[d]) for d in dims]
            for i, v in enumerate(df[c]):
                if isinstance(v, np.ndarray):
                    idx = tuple(p[i] for p in pos)
                    data[idx] = v
                    present[idx] = True
            if dtype.kind in "biu" and not present.all():
                data = data.astype(float)
                data[~present] = np.nan
            ds[c] = (dims + [f"{c}_{k}" for k in range(len(shape))], data)
        else:
            ds[c] = (["record"] + [f"{c}_{k}" for k in range(len(shape))], np.stack(list(df[c])))
    ds.attrs.update(attrs)
    return ds


def _hashable(v):
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def _jsonify_arrays(df):
    out = df.copy()
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, np.ndarray)).any():
            out[c] = out[c].map(lambda v: json.dumps(v.tolist()) if isinstance(v, np.ndarray) else v)
    return out


def export(path, out=None, *, format="csv", experiment=None, status="done", stale=False) -> str:
    """Write the records of store ``path`` to ``out`` as CSV, Parquet or netCDF; return ``out``.

    CSV: arrays as JSON lists (values exact; dtype not kept). Parquet (needs ``pyarrow``): arrays as
    (nested) lists. netCDF (needs ``xarray``, and ``netCDF4`` or SciPy): the Dataset of :func:`to_xarray`.
    ``out`` defaults to the store path with the format's suffix. ``stale``: as in :func:`load`.
    """
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format={format!r} is not allowed; choose one of {', '.join(map(repr, EXPORT_FORMATS))}")
    suffix = {"csv": ".csv", "parquet": ".parquet", "netcdf": ".nc"}[format]
    out = str(out) if out is not None else os.path.splitext(str(path))[0] + suffix
    if format == "parquet":
        _optional("pyarrow", "export --format parquet")
    if format == "netcdf":
        _optional("xarray", "export --format netcdf")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise ValueError(f"out {out!r}: directory {parent!r} does not exist")
    df = load(path, experiment=experiment, status=status, stale=stale)
    if format == "csv":
        _jsonify_arrays(df).to_csv(out, index=False)
    elif format == "parquet":
        frame = df.copy()
        for c in frame.columns:
            if frame[c].map(lambda v: isinstance(v, np.ndarray)).any():
                frame[c] = frame[c].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
        frame.to_parquet(out, index=False)
    else:
        ds = to_xarray(df.drop(columns=["error"]) if "error" in df else df)
        for name in list(ds.variables):
            if ds[name].dtype == bool:
                ds[name] = ds[name].astype("int8")
            elif ds[name].dtype == object:
                ds[name] = ds[name].astype(str)
        ds.to_netcdf(out)
    return out


def status(path, spec=None) -> dict:
    """Counts of tasks by experiment and status: ``{experiment: {status: n, ..., "stale": n}}``.

    ``stale``: how many of the finished or failed tasks are stale (module docstring; :func:`stale` says why).
    With ``spec`` (a path, dict or Spec), only the spec's tasks, plus ``missing`` for those not yet in the store
    (the spec's tasks are current by construction: stale records of the same points count as missing).
    """
    with Store(path, readonly=True) as st:
        if spec is None:
            out = {}
            for exp, s, n in st.execute("SELECT experiment, status, count(*) FROM tasks GROUP BY experiment, status"):
                out.setdefault(exp, dict.fromkeys(STATUSES, 0))[s] = n
            for exp in out:
                out[exp]["stale"] = 0
            for exp, _ in _stale(st).values():
                out[exp]["stale"] += 1
            return out
        spec = load_spec(spec)
        hashes = [t.hash for t in spec.tasks()]
        counts = dict.fromkeys(STATUSES + ("missing",), 0)
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            rows = st.execute(f"SELECT status, count(*) FROM tasks WHERE hash IN ({','.join('?' * len(chunk))}) "
                              "GROUP BY status", chunk).fetchall()
            for s, n in rows:
                counts[s] += n
        counts["missing"] = len(hashes) - sum(counts[s] for s in STATUSES)
        return {spec.experiment: counts}


def failures(path, *, experiment=None):
    """``[(hash, experiment, params, seed, error), ...]`` for the failed tasks of a store."""
    with Store(path, readonly=True) as st:
        return [(r["hash"], r["experiment"], r["params"], r["seed"], r["error"])
                for r in st.rows(experiment=experiment, status="failed")]
