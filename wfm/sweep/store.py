"""The results store: one SQLite file (WAL mode), one row per task, written only by coordinating processes.

Table ``tasks`` (one row per task, keyed by the hash of the task's identity):

=============  ===========================================================================================
hash           sha256 hex of the canonical JSON of the task identity (``wfm.experiments.task_hash``):
               experiment, experiment version, every parameter with its default filled in (and a method's
               options with the method's defaults), seed
experiment     experiment name
params         JSON object of the given parameters (without seed)
seed           integer, or NULL for a deterministic experiment
experiment_version   the experiment's version when the task was added
identity       the canonical JSON the hash was taken of (what the task was computed with, defaults included)
status         ``pending`` | ``running`` (claimed by ``owner``) | ``done`` | ``failed``
attempts       how many times a worker started it and died (killed, out of memory); ``max_attempts`` -> failed
owner          the coordinator that claimed it (``host:pid:random``), NULL unless running
result         JSON object of the scalar results (NaN and ±Infinity written as in Python's ``json``)
array_names    JSON list of the names of the array results, in the order of ``arrays``
arrays         the concatenation of one ``.npy`` file (NumPy format, written and read with
               ``allow_pickle=False``) per array result: lossless (dtype, shape, bits) and without pickle
version        ``wfm.__version__`` of the worker;  host: its host name;  wall_time: seconds in the experiment
created_at, started_at, finished_at    Unix times;  error: the traceback of a failed task
=============  ===========================================================================================

Table ``coordinators`` holds one row per live coordinator (owner, host, pid, heartbeat). A claim whose owner
is gone (same host and the process no longer exists, or no heartbeat for ``stale_after`` seconds) is
released to ``pending`` by the next coordinator, so a killed sweep resumes where it was.

Concurrency: every change is one ``BEGIN IMMEDIATE`` transaction. Claims are atomic, so two coordinators on
one store never run the same task at once; a result is written ``WHERE status != 'done'`` (first done wins),
so there is never more than one record per task. Durability: WAL with ``synchronous=NORMAL`` (default) --
a committed result survives the process being killed (SIGKILL, out of memory); after a power loss the last
commits before the latest checkpoint may roll back (those tasks are simply run again), and the file is never
corrupted. ``fsync=True`` (``synchronous=FULL``, ``--fsync``) makes every commit survive a power loss too,
at the cost of one fsync per commit.

Schema versions: 2 (this one) added ``experiment_version`` and ``identity``, with task hashes of the full
identity. A schema-1 store (hashes of the given parameters only) is upgraded in place when opened for writing
(the two columns are added, empty); its records keep their old hashes, so they are stale
(:func:`wfm.sweep.io.stale`) and are computed again under their new hash when their sweep runs again. It is
read as it is when opened read-only.

Safety: nothing is unpickled; ``.npy`` blobs are read with ``allow_pickle=False`` and the schema is checked
on open (``trusted_schema=OFF``), so a store from someone else is safe to open.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import socket
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["Store", "encode_result", "decode_result", "SCHEMA_VERSION"]

SCHEMA_VERSION = "2"
#: older schemas this version reads (read-only) and upgrades (when opened for writing)
_UPGRADES = {"1": ("ALTER TABLE tasks ADD COLUMN experiment_version INTEGER",
                   "ALTER TABLE tasks ADD COLUMN identity TEXT")}
STATUSES = ("pending", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    hash TEXT PRIMARY KEY,
    experiment TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    result TEXT,
    array_names TEXT,
    arrays BLOB,
    version TEXT,
    host TEXT,
    wall_time REAL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    error TEXT,
    experiment_version INTEGER,
    identity TEXT
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);
CREATE TABLE IF NOT EXISTS coordinators (
    owner TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at REAL NOT NULL,
    heartbeat REAL NOT NULL
);
"""


# ----------------------------------------------------------------------------------------------------------
# record encoding


def encode_result(result: dict) -> tuple:
    """``(result_json, array_names_json, arrays_blob)`` for a checked result dict (no pickle anywhere)."""
    scalars, names, buf = {}, [], io.BytesIO()
    for key, value in result.items():
        if isinstance(value, np.ndarray):
            names.append(key)
            np.save(buf, value, allow_pickle=False)
        else:
            scalars[key] = value
    return json.dumps(scalars, sort_keys=True), json.dumps(names), buf.getvalue() if names else None


def decode_result(result_json, names_json, blob) -> dict:
    """Inverse of :func:`encode_result`; arrays read with ``allow_pickle=False``."""
    out = json.loads(result_json) if result_json else {}
    if not isinstance(out, dict):
        raise ValueError("corrupt store: result is not a JSON object")
    names = json.loads(names_json) if names_json else []
    if names:
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise ValueError("corrupt store: array_names given but no arrays blob")
        blob, pos = bytes(blob), 0
        for name in names:
            out[str(name)], pos = _read_npy(blob, pos)
        if pos != len(blob):
            raise ValueError("corrupt store: trailing bytes after the arrays of a record")
    return out


_HEADERS: dict = {}  # .npy header bytes -> (dtype, shape, fortran_order): the same few headers recur


def _read_npy(blob: bytes, pos: int):
    """Read one ``.npy`` file from ``blob`` at ``pos``: ``(array, end)``; no pickle (object dtypes refused).

    Same result as ``numpy.lib.format.read_array(..., allow_pickle=False)``; the header (parsed by NumPy's
    own safe parser) is cached, which makes loading a large store several times faster.
    """
    if blob[pos:pos + 6] != b"\x93NUMPY":
        raise ValueError("corrupt store: an array is not in .npy format")
    major = blob[pos + 6]
    if major == 1:
        start = pos + 10 + int.from_bytes(blob[pos + 8:pos + 10], "little")
    elif major == 2:
        start = pos + 12 + int.from_bytes(blob[pos + 8:pos + 12], "little")
    else:  # version 3 (utf-8 field names) or unknown: NumPy's reader, which refuses what it does not know
        fp = io.BytesIO(blob)
        fp.seek(pos)
        return np.lib.format.read_array(fp, allow_pickle=False), fp.tell()
    header = blob[pos:start]
    info = _HEADERS.get(header)
    if info is None:
        fp = io.BytesIO(header[8:])
        reader = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = reader(fp, max_header_size=100_000)
        if dtype.hasobject:
            raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
        info = (dtype, shape, fortran)
        if len(_HEADERS) < 4096:
            _HEADERS[header] = info
    dtype, shape, fortran = info
    count = 1
    for k in shape:
        count *= k
    end = start + count * dtype.itemsize
    if end > len(blob):
        raise ValueError("corrupt store: an array is shorter than its header says")
    arr = np.frombuffer(blob, dtype=dtype, count=count, offset=start)
    arr = arr.reshape(shape[::-1]).transpose() if fortran else arr.reshape(shape)
    return arr.copy(order="K"), end


# ----------------------------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """A sweep results store at ``path`` (created if absent unless ``readonly``).

    Errors name the path: a directory that does not exist, a file that is not writable, a file that is not a
    wfm store are ``ValueError``.
    """

    def __init__(self, path, *, readonly: bool = False, timeout: float = 60.0, fsync: bool = False):
        self.path = str(path)
        self.readonly = readonly
        p = Path(self.path)
        if p.is_dir():
            raise ValueError(f"store {self.path!r} is a directory; give a file path such as {str(p / 'sweep.sqlite')!r}")
        if readonly:
            if not p.exists():
                raise ValueError(f"store {self.path!r} does not exist")
        else:
            parent = p.parent if str(p.parent) else Path(".")
            if not parent.is_dir():
                raise ValueError(f"store {self.path!r}: directory {str(parent)!r} does not exist")
            if p.exists() and not os.access(p, os.W_OK):
                raise ValueError(f"store {self.path!r} is not writable")
            if not p.exists() and not os.access(parent, os.W_OK | os.X_OK):
                raise ValueError(f"store {self.path!r}: directory {str(parent)!r} is not writable")
        try:
            if readonly:
                self._con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout,
                                            isolation_level=None, check_same_thread=False)
            else:
                self._con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                            check_same_thread=False)
            self._con.execute("PRAGMA trusted_schema = OFF")
            if not readonly:
                self._con.execute("PRAGMA journal_mode = WAL")
                self._con.execute(f"PRAGMA synchronous = {'FULL' if fsync else 'NORMAL'}")
                with self.transaction():
                    self._check_or_create()
            else:
                self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"store {self.path!r} cannot be used: {exc}") from None
        self.owner = None

    # -- plumbing --------------------------------------------------------------------------------------

    def _check_schema(self):
        tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "tasks"} <= tables:
            raise ValueError(f"store {self.path!r} is not a wfm sweep store (no tasks table)")
        row = self._con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or (row[0] != SCHEMA_VERSION and row[0] not in _UPGRADES):
            raise ValueError(f"store {self.path!r} has schema version {row and row[0]!r}; "
                             f"this wfm reads versions {', '.join(map(repr, sorted({*_UPGRADES, SCHEMA_VERSION})))}")
        self.schema = row[0]

    def _check_or_create(self):
        tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "tasks" not in tables:
            raise ValueError(f"store {self.path!r} is an SQLite file but not a wfm sweep store "
                             f"(tables: {', '.join(sorted(tables))})")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._con.execute(statement)  # not executescript: it would COMMIT the open transaction
        self._con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        self._check_schema()
        if self.schema != SCHEMA_VERSION:  # an older store: add what this schema has (in this transaction)
            for statement in _UPGRADES[self.schema]:
                self._con.execute(statement)
            self._con.execute("UPDATE meta SET value=? WHERE key='schema'", (SCHEMA_VERSION,))
            self.schema = SCHEMA_VERSION

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any exception, including KeyboardInterrupt)."""
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def close(self):
        if getattr(self, "_con", None) is not None:
            if self.owner is not None and not self.readonly:
                try:
                    self.unregister()
                except sqlite3.Error:
                    pass
            self._con.close()
            self._con = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def execute(self, sql, args=()):
        """Run a read query (for ``status`` and tests)."""
        return self._con.execute(sql, args)

    def integrity_check(self) -> str:
        return self._con.execute("PRAGMA integrity_check").fetchone()[0]

    # -- tasks -----------------------------------------------------------------------------------------

    def add_tasks(self, tasks) -> int:
        """Insert tasks as ``pending`` unless already present (by hash); return how many were new."""
        now = time.time()
        rows = [(t.hash, t.experiment, json.dumps(t.params, sort_keys=True), t.seed, now,
                 getattr(t, "version", None), getattr(t, "identity", None)) for t in tasks]
        with self.transaction() as con:
            before = con.total_changes
            con.executemany("INSERT OR IGNORE INTO tasks (hash, experiment, params, seed, created_at, "
                            "experiment_version, identity) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            return con.total_changes - before

    def select(self, hashes):
        """Restrict :meth:`claim` and :meth:`counts` to these hashes (a per-connection temporary table)."""
        con = self._con
        con.execute("CREATE TEMP TABLE IF NOT EXISTS mine (hash TEXT PRIMARY KEY)")
        with self.transaction():
            con.execute("DELETE FROM temp.mine")
            con.executemany("INSERT OR IGNORE INTO temp.mine VALUES (?)", ((h,) for h in hashes))

    def retry_failed(self) -> int:
        """Set the selected ``failed`` tasks back to ``pending`` (attempts reset); return how many."""
        with self.transaction() as con:
            cur = con.execute("UPDATE tasks SET status='pending', attempts=0, error=NULL "
                              "WHERE status='failed' AND hash IN (SELECT hash FROM temp.mine)")
            return cur.rowcount

    def counts(self, selected: bool = True) -> dict:
        """``{status: count}`` over the selected tasks (or the whole store)."""
        where = "WHERE hash IN (SELECT hash FROM temp.mine)" if selected else ""
        out = dict.fromkeys(STATUSES, 0)
        for status, n in self._con.execute(f"SELECT status, count(*) FROM tasks {where} GROUP BY status"):
            out[status] = n
        return out

    # -- coordinators and claims -------------------------------------------------------------------------

    def register(self) -> str:
        """Register this process as a coordinator; return its owner id."""
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        now = time.time()
        with self.transaction() as con:
            con.execute("INSERT INTO coordinators VALUES (?, ?, ?, ?, ?)",
                        (self.owner, socket.gethostname(), os.getpid(), now, now))
        return self.owner

    def heartbeat(self):
        with self.transaction() as con:
            con.execute("UPDATE coordinators SET heartbeat=? WHERE owner=?", (time.time(), self.owner))

    def unregister(self):
        """Release this coordinator's claims (back to pending) and remove it."""
        with self.transaction() as con:
            con.execute("UPDATE tasks SET status='pending', owner=NULL WHERE status='running' AND owner=?",
                        (self.owner,))
            con.execute("DELETE FROM coordinators WHERE owner=?", (self.owner,))
        self.owner = None

    def reclaim_stale(self, stale_after: float = 120.0) -> int:
        """Release the claims of coordinators that are gone; return how many tasks went back to pending.

        Gone: on this host and the process does not exist; or any host and no heartbeat for
        ``stale_after`` seconds. Claims by owners without a coordinator row are released too.
        """
        host, now = socket.gethostname(), time.time()
        with self.transaction() as con:
            dead = []
            for owner, h, pid, beat in con.execute("SELECT owner, host, pid, heartbeat FROM coordinators"):
                if owner == self.owner:
                    continue
                if (h == host and not _pid_alive(pid)) or now - beat > stale_after:
                    dead.append(owner)
            con.executemany("DELETE FROM coordinators WHERE owner=?", ((o,) for o in dead))
            cur = con.execute("UPDATE tasks SET status='pending', owner=NULL WHERE status='running' AND "
                              "(owner IS NULL OR owner NOT IN (SELECT owner FROM coordinators))")
            return cur.rowcount

    def claim(self, limit: int) -> list:
        """Atomically mark up to ``limit`` selected pending tasks as running by this coordinator.

        Returns ``[(hash, experiment, params, seed, attempts), ...]`` in the order they were added.
        """
        if limit <= 0:
            return []
        now = time.time()
        with self.transaction() as con:
            rows = con.execute(
                "SELECT hash, experiment, params, seed, attempts FROM tasks WHERE status='pending' "
                "AND hash IN (SELECT hash FROM temp.mine) ORDER BY rowid LIMIT ?", (int(limit),)).fetchall()
            con.executemany("UPDATE tasks SET status='running', owner=?, started_at=? WHERE hash=?",
                            ((self.owner, now, r[0]) for r in rows))
        return [(h, e, json.loads(p), s, a) for h, e, p, s, a in rows]

    def release(self, hashes, *, died: bool = False, max_attempts: int = 3, error: str = "") -> list:
        """Give claimed tasks back (``pending``); with ``died`` count an attempt and fail after ``max_attempts``.

        Returns the hashes that were marked failed.
        """
        failed = []
        with self.transaction() as con:
            for h in hashes:
                row = con.execute("SELECT attempts FROM tasks WHERE hash=? AND status='running' AND owner=?",
                                  (h, self.owner)).fetchone()
                if row is None:
                    continue
                attempts = row[0] + (1 if died else 0)
                if died and attempts >= max_attempts:
                    con.execute("UPDATE tasks SET status='failed', owner=NULL, attempts=?, error=?, "
                                "finished_at=? WHERE hash=?",
                                (attempts, f"the worker process died {attempts} time(s) while running this task "
                                 f"(killed, out of memory, or a crash in compiled code): {error}", time.time(), h))
                    failed.append(h)
                else:
                    con.execute("UPDATE tasks SET status='pending', owner=NULL, attempts=? WHERE hash=?",
                                (attempts, h))
        return failed

    def write(self, outcomes) -> int:
        """Write finished tasks in one transaction; return how many rows changed.

        ``outcomes``: dicts from the worker (:func:`wfm.sweep.execute.run_task`) with ``hash``, ``status``
        (``done``/``failed``), ``result``, ``array_names``, ``arrays``, ``error``, ``version``, ``host``,
        ``wall_time``, ``started_at``, ``finished_at``. A ``done`` outcome is written unless the task is
        already done (first done wins); a ``failed`` one only over this coordinator's own claim.
        """
        n = 0
        with self.transaction() as con:
            for o in outcomes:
                args = (o["result"], o["array_names"], o["arrays"], o["version"], o["host"], o["wall_time"],
                        o["started_at"], o["finished_at"], o["error"], o["hash"])
                if o["status"] == "done":
                    cur = con.execute(
                        "UPDATE tasks SET status='done', owner=NULL, result=?, array_names=?, arrays=?, "
                        "version=?, host=?, wall_time=?, started_at=?, finished_at=?, error=? "
                        "WHERE hash=? AND status!='done'", args)
                else:
                    cur = con.execute(
                        "UPDATE tasks SET status='failed', owner=NULL, result=?, array_names=?, arrays=?, "
                        "version=?, host=?, wall_time=?, started_at=?, finished_at=?, error=? "
                        "WHERE hash=? AND status='running' AND owner=?", args + (self.owner,))
                n += cur.rowcount
        return n

    # -- reading ---------------------------------------------------------------------------------------

    def rows(self, *, experiment=None, status="done", hashes=None):
        """Iterate over task rows as dicts with ``params`` and results decoded (arrays as ndarrays)."""
        where, args = [], []
        if experiment is not None:
            where.append("experiment=?")
            args.append(experiment)
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            bad = sorted(set(statuses) - set(STATUSES))
            if bad:
                raise ValueError(f"status={bad[0]!r} is not allowed; choose one of {', '.join(map(repr, STATUSES))}")
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        extra = "experiment_version, identity" if self.schema != "1" else "NULL, NULL"
        sql = ("SELECT hash, experiment, params, seed, status, attempts, result, array_names, arrays, version, "
               f"host, wall_time, started_at, finished_at, error, {extra} FROM tasks")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY rowid"
        for (h, exp, params, seed, st, attempts, res, names, blob, version, host, wall, t0, t1,
             error, exp_version, identity) in self._con.execute(sql, args):
            if hashes is not None and h not in hashes:
                continue
            yield {
                "hash": h, "experiment": exp, "params": json.loads(params), "seed": seed, "status": st,
                "attempts": attempts, "result": decode_result(res, names, blob), "version": version,
                "host": host, "wall_time": wall, "started_at": t0, "finished_at": t1, "error": error,
                "experiment_version": exp_version, "identity": identity,
            }

    def keys(self, statuses=("done", "failed")):
        """``(hash, experiment, params JSON, seed, identity JSON or None)`` of the tasks with these statuses
        (no results are read)."""
        ident = "identity" if self.schema != "1" else "NULL"
        marks = ", ".join("?" * len(statuses))
        return self._con.execute(f"SELECT hash, experiment, params, seed, {ident} FROM tasks "
                                 f"WHERE status IN ({marks}) ORDER BY rowid", tuple(statuses)).fetchall()

    def delete(self, hashes) -> int:
        """Delete these tasks that are not running; return how many rows went."""
        hashes = list(hashes)
        n = 0
        with self.transaction() as con:
            for i in range(0, len(hashes), 500):
                chunk = hashes[i:i + 500]
                cur = con.execute(f"DELETE FROM tasks WHERE status != 'running' AND hash IN "
                                  f"({', '.join('?' * len(chunk))})", chunk)
                n += cur.rowcount
        return n
