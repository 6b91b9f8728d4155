"""gunicorn.conf.py: the worker's loaded modules are frozen out of the cyclic collector's walks."""
import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_worker_freezes_what_it_loaded_before_its_first_request():
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)
        # Everything the process holds is now frozen: Django, the URLconf and the views with it.
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
