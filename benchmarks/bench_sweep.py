"""Benchmarks of the sweep machinery (not tests): scheduling overhead, store throughput, parallel speed-up.

    python benchmarks/bench_sweep.py [--tasks 2000] [--records 5000] [--cpu-tasks 8]

1. Scheduling overhead: a sweep of ``--tasks`` trivial tasks (experiment ``echo``, ~20 µs of work) on the
   local process pool (2 workers). Overhead per task = (wall(N) - wall(small)) / (N - small): the marginal
   cost of one more task once the pool is up (claim, submit, IPC, result write), plus the coordinator's CPU
   time per task. Target: < 5 ms per task.
2. Store throughput: ``Store.write`` of ``--records`` real outcomes (``echo`` with a 10-element array),
   committed in transactions of 100 and of 1 record (WAL, ``synchronous=NORMAL``: durable against a killed
   process), and of 1 record with ``fsync=True`` (durable against power loss). Target: > 1000 records/s.
3. Speed-up: ``--cpu-tasks`` tasks of the CPU-bound ``cpu`` experiment on 1 and on 2 local workers (pools
   started and warmed up before timing, so spawn + import is excluded). Target: ~2x.
4. Spec expansion: validating and hashing the tasks of a ``solve`` spec of ``--tasks`` tasks (every default
   filled in, the method's options resolved and checked by value, the model built once per point), per task;
   and ``status()`` of the store of part 2, which judges every record stale or not, per record.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import wfm.sweep as S
from wfm.experiments import run as run_experiment
from wfm.sweep.store import Store


def _sweep_seconds(spec, store, **kw):
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    rep = S.run(spec, store, progress=False, **kw)
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    assert rep.failed == 0 and rep.pending == 0, rep
    return time.perf_counter() - t0, (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)


def overhead(n_tasks, d, workers=2):
    small = 20
    t_small, _ = _sweep_seconds({"experiment": "echo", "seeds": small}, os.path.join(d, "o1.sqlite"), workers=workers)
    t_big, cpu_big = _sweep_seconds({"experiment": "echo", "seeds": n_tasks}, os.path.join(d, "o2.sqlite"),
                                    workers=workers)
    per_task = (t_big - t_small) / (n_tasks - small)
    print(f"[overhead] {n_tasks} trivial tasks, {workers} workers: {t_big:.2f} s total "
          f"({t_small:.2f} s for {small} tasks incl. pool start-up)")
    print(f"[overhead] marginal wall time per task: {per_task * 1e3:.3f} ms   "
          f"coordinator CPU per task: {cpu_big / n_tasks * 1e3:.3f} ms   (target < 5 ms)")
    return per_task


def store_throughput(n_records, d):
    spec = S.load_spec({"experiment": "echo", "seeds": n_records, "params": {"size": 10}})
    tasks = spec.tasks()
    outcomes = [S.run_task(t.payload()) for t in tasks]
    out = {}
    for batch, fsync in ((100, False), (1, False), (1, True)):
        path = os.path.join(d, f"t{batch}{'f' if fsync else ''}.sqlite")
        with Store(path, fsync=fsync) as st:
            st.add_tasks(tasks)
            st.select([t.hash for t in tasks])
            st.register()
            st.claim(len(tasks))
            t0 = time.perf_counter()
            for i in range(0, len(outcomes), batch):
                st.write(outcomes[i:i + batch])
            dt = time.perf_counter() - t0
            assert st.counts()["done"] == n_records
        out[batch, fsync] = n_records / dt
        print(f"[store] {n_records} records, {batch} per transaction{', fsync each commit' if fsync else ''}: "
              f"{n_records / dt:,.0f} records/s (target > 1000)")
    t0 = time.perf_counter()
    df = S.load(os.path.join(d, "t100.sqlite"))
    dt = time.perf_counter() - t0
    print(f"[store] load() of {len(df)} records into a DataFrame: {len(df) / dt:,.0f} records/s")
    return out


def _warm_pool(workers):
    """A local pool like the default one, with every worker started and wfm imported."""
    ex = S.LocalPool(workers)
    warm = [t.payload() for t in S.load_spec({"experiment": "sleep", "seeds": 2 * workers,
                                               "params": {"seconds": 0.2}}).tasks()]
    list(ex.map(S.run_task, warm))
    return ex


def speedup(n_tasks, d, size=150, repeats=40):
    one = run_experiment("cpu", {"size": size, "repeats": repeats}, seed=0)["wall_time"]
    print(f"[speed-up] one cpu task (size={size}, repeats={repeats}): {one:.2f} s in this process")
    times = {}
    for workers in (1, 2):
        spec = {"experiment": "cpu", "seeds": {"start": 1000, "count": n_tasks},
                "params": {"size": size, "repeats": repeats}}
        ex = _warm_pool(workers)  # pool start-up (spawn + import) is not part of the timing
        path = os.path.join(d, f"cpu{workers}.sqlite")
        try:
            t, _ = _sweep_seconds(spec, path, executor=ex)
        finally:
            ex.shutdown()
        times[workers] = t
        busy = S.load(path)["wall_time"].sum()  # seconds the workers spent inside the experiment
        print(f"[speed-up] {n_tasks} tasks on {workers} warm worker(s): {t:.2f} s; workers busy "
              f"{busy / (workers * t):.0%} of the time; mean task {busy / n_tasks:.2f} s")
    print(f"[speed-up] 2 workers vs 1: {times[1] / times[2]:.2f}x (ideal 2x on 2 free cores; a mean task time "
          "that grows from 1 to 2 workers means the cores were not free)")
    return times


def expansion(n_tasks, d):
    seeds = 20
    spec = S.load_spec({"experiment": "solve", "seeds": seeds, "params": {"n": 101, "method": "sa"},
                        "grid": {"alpha": [round(0.01 * (i + 1), 4) for i in range(max(1, n_tasks // seeds))]}})
    t0 = time.perf_counter()
    tasks = spec.tasks()
    dt = time.perf_counter() - t0
    print(f"[spec] {len(tasks)} solve tasks validated and hashed: {dt / len(tasks) * 1e6:.0f} us per task")
    path = os.path.join(d, "t100.sqlite")
    if os.path.exists(path):
        t0 = time.perf_counter()
        S.status(path)
        dt = time.perf_counter() - t0
        n = sum(sum(v for k, v in c.items() if k != "stale") for c in S.status(path).values())
        print(f"[spec] status() of a {n}-record store (each record judged stale or not): "
              f"{n / dt:,.0f} records/s")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=2000)
    p.add_argument("--records", type=int, default=5000)
    p.add_argument("--cpu-tasks", type=int, default=16)
    p.add_argument("--only", choices=("overhead", "store", "speedup", "spec"), action="append",
                   help="run only this part (repeatable)")
    args = p.parse_args()
    parts = args.only or ("overhead", "store", "speedup", "spec")
    print(f"cores: {S.usable_cores()}, load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as d:
        if "overhead" in parts:
            overhead(args.tasks, d)
        if "store" in parts:
            store_throughput(args.records, d)
        if "speedup" in parts:
            speedup(args.cpu_tasks, d)
        if "spec" in parts:
            expansion(args.tasks, d)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
