"""Record I/O: JSON-safe values and ``.npz`` files with a JSON header, never pickle.

A result saved by wfm (a :class:`~wfm.solvers.SolveResult`, a local-entropy curve, ...) is one ``.npz``
archive: the arrays under their own names and one ``__meta__`` entry holding UTF-8 JSON (the scalars, the
description of the model and of the instance). It is read with ``allow_pickle=False``, so a file from
anywhere is safe to open, and a file that is not such an archive gives one clear error naming the path.
"""
from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["to_jsonable", "save_npz", "load_npz", "check_output_path"]

_META = "__meta__"


def to_jsonable(obj: Any) -> Any:
    """numpy scalars/arrays (and nested dicts, lists, tuples of them) as plain JSON types.

    Non-finite floats become ``None`` (NaN) or ±1e308 (±inf), so the output is strict JSON.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else (1e308 if obj > 0 else -1e308)
    return obj


def check_output_path(name: str, path: str | os.PathLike[str]) -> str:
    """Fail early (ValueError naming the argument) when ``path`` cannot be written: a missing directory or a
    directory without write permission. Returns the path as a string."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{name}: directory {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{name}: directory {folder} is not writable")
    if os.path.isdir(path):
        raise ValueError(f"{name}: {path} is a directory, not a file")
    return path


def save_npz(path: str | os.PathLike[str], meta: dict, arrays: Mapping[str, npt.ArrayLike], *,
             name: str = "path") -> None:
    """Write ``arrays`` and the JSON header ``meta`` to the ``.npz`` file ``path`` (compressed, no pickle)."""
    path = check_output_path(name, path)
    for key in arrays:
        if key == _META:
            raise ValueError(f"array name {_META!r} is reserved for the header")
    buf = json.dumps(to_jsonable(meta), allow_nan=False).encode()
    payload: dict[str, Any] = {_META: np.frombuffer(buf, dtype=np.uint8)}
    payload.update((k, np.asarray(v)) for k, v in arrays.items())
    np.savez_compressed(path, **payload)


def load_npz(path: str | os.PathLike[str], *, name: str = "path") -> tuple[dict, dict]:
    """Read a file written by :func:`save_npz`: ``(meta, arrays)``. ValueError naming ``name`` if the file does
    not exist or is not such an archive (no pickle is ever loaded)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{name}: no such file: {path}")
    bad = f"{name}: {path} is not a result file saved by wfm (.npz with a JSON header)"
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise ValueError(bad) from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(bad)
    try:
        if _META not in z.files:
            raise ValueError(bad)
        meta = json.loads(z[_META].tobytes().decode())
        arrays = {k: z[k] for k in z.files if k != _META}
    except (OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError, EOFError):
        raise ValueError(bad) from None
    finally:
        z.close()
    if not isinstance(meta, dict):
        raise ValueError(f"{name}: {path} has a malformed header (expected a JSON object)")
    return meta, arrays
