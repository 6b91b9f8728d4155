"""gunicorn's settings, read from the working directory (`gunicorn aragora_support.wsgi` in
production and in bench/): command-line flags still win."""
import gc


def post_worker_init(worker):
    """Freeze what the worker loaded before its first request.

    Django, DRF, the URLconf and every view module are ~180,000 long-lived objects, and Python's
    cyclic collector walks them again whenever a request's garbage reaches its thresholds. Frozen
    (moved to a permanent generation the collector skips) they cost nothing: on a ticket-list
    request the collector's time went from 0.25 to 0.08 ms (docs/performance.md, issue 16)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # imports every urls and views module now, not on the first request
    gc.collect()
    gc.freeze()


# Prometheus with several workers (docs/observability.md): the master empties
# PROMETHEUS_MULTIPROC_DIR when it starts, and a dead worker's live gauges are dropped.
from aragora_support import gunicorn_conf as _metrics  # noqa: E402

on_starting, child_exit = _metrics.on_starting, _metrics.child_exit
