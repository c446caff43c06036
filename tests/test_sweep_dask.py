"""Sweeps on a real Dask LocalCluster (2 worker processes, 127.0.0.1 only)."""
import numpy as np
import pytest

import wfm.sweep as S
from wfm.sweep.execute import _DaskBackend

pytest.importorskip("distributed", reason="Dask distributed is an optional dependency (pip install 'wfm[dask]')")

META = ["status", "attempts", "version", "host", "wall_time", "started_at", "finished_at", "error"]


def comparable(df):
    return {r["hash"]: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in r.items()}
            for r in df.drop(columns=META).to_dict("records")}


def test_dask_local_cluster_gives_the_same_records_as_the_local_pool(tmp_path):
    spec = {"experiment": "cpu", "seeds": 6, "params": {"repeats": 3}, "grid": {"size": [20, 40]}}
    local = S.run(spec, str(tmp_path / "local.sqlite"), workers=2, progress=False)
    backend = _DaskBackend("local:2")
    try:
        addresses = [backend.cluster.scheduler_address] + list(backend.client.nthreads())
        assert len(addresses) == 3 and all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        info = backend.client.scheduler_info()
        assert all(w["nthreads"] == 1 for w in info["workers"].values())
        env = backend.client.run(lambda: __import__("os").environ.get("NUMBA_NUM_THREADS"))
        assert set(env.values()) == {"1"}  # 2 cores / 2 workers
        # a distributed.Client as executor: how a dask-jobqueue cluster is used from Python
        dask = S.run(spec, str(tmp_path / "dask.sqlite"), executor=backend.client, progress=False)
        assert dask.executor.startswith("Dask client tcp://127.0.0.1:")
    finally:
        backend.close()
    assert local.done == dask.done == 12
    a, b = S.load(tmp_path / "local.sqlite"), S.load(tmp_path / "dask.sqlite")
    assert comparable(a) == comparable(b)
    assert a["row_sums"].map(lambda v: v.dtype).eq(np.int64).all()


def test_dask_worker_killed_mid_task_does_not_lose_the_task(tmp_path):
    marker = tmp_path / "crashed"
    spec = {"experiment": "sleep", "seeds": 4, "params": {"seconds": 0.3},
            "zip": {"crash_once": ["", str(marker)]}}
    rep = S.run(spec, str(tmp_path / "d.sqlite"), scheduler="local:2", progress=False)
    assert marker.exists()  # a worker process really was SIGKILLed mid-task
    assert (rep.done, rep.failed, rep.total) == (8, 0, 8)
    assert "LocalCluster on 127.0.0.1: 2 worker processes" in rep.executor
    df = S.load(tmp_path / "d.sqlite")
    assert df["hash"].is_unique and len(df) == 8
    from wfm.experiments import run

    for row in df.itertuples():
        assert run("sleep", {"seconds": 0.0}, seed=row.seed)["u"] == row.u
