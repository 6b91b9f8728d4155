"""Beat's scheduler: Celery's own (PersistentScheduler), recording its own heartbeat as it ticks.

The worker's heartbeat (accounts.tasks.record_heartbeat) goes stale when beat stops as much as
when the worker does; beat writing a heartbeat of its own lets /readyz name which one stopped.
Beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds (settings), so a beat tick
older than a few of those means beat is stuck or gone.
"""
import logging
import time

from celery.beat import PersistentScheduler
from django.db import DatabaseError, close_old_connections

log = logging.getLogger(__name__)


class Scheduler(PersistentScheduler):
    # At most one write in this many seconds: several entries due together tick several times.
    heartbeat_every = 10.0
    _last_heartbeat = float("-inf")

    def tick(self, *args, **kwargs):
        if time.monotonic() - self._last_heartbeat >= self.heartbeat_every:
            self._record_heartbeat()
        return super().tick(*args, **kwargs)

    def _record_heartbeat(self) -> None:
        from .health import record_beat_tick  # Django's models are ready only once beat runs

        try:
            # Beat is a long-lived process outside any request: drop a connection the database
            # closed (a restart) or one past CONN_MAX_AGE, as a request's end would.
            close_old_connections()
            record_beat_tick()
            self._last_heartbeat = time.monotonic()
        except DatabaseError:
            # The database being down must not stop beat scheduling; /readyz names the database.
            log.warning("beat could not record its heartbeat", exc_info=True)
