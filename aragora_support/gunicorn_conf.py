"""Gunicorn hooks for Prometheus metrics with several workers (docs/observability.md), imported by
gunicorn.conf.py (which gunicorn reads from the working directory):

    PROMETHEUS_MULTIPROC_DIR=/run/aragora-metrics gunicorn aragora_support.wsgi

Each worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR and /metrics sums them
(prometheus_client's multiprocess mode), whichever worker answers the scrape. Values left by a
previous run would be summed in too, so the directory is emptied when the master starts.
"""
import os
import shutil
from pathlib import Path


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    # A dead worker's live gauges are dropped; its counters stay in the sum, as they should.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
