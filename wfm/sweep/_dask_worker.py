"""Preloaded into the worker processes of the Dask ``LocalCluster`` that a sweep starts (``scheduler="local:N"``).

A Ctrl-C in the terminal reaches the whole process group; the coordinator handles it (it saves what finished and
closes the cluster), so the workers ignore SIGINT instead of each printing a KeyboardInterrupt traceback.
"""
import signal
import threading


def dask_setup(worker):  # noqa: ARG001 -- the Dask preload hook
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
