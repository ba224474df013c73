"""Celery beat's scheduler, which also records that beat is alive.

The worker's heartbeat ("default") shows that beat sent the heartbeat task and a worker ran it;
it cannot tell which of the two stopped. So beat records its own: the WorkerHeartbeat row
"beat", at most every RECORD_EVERY seconds, from the scheduler's loop (which turns at least
once a minute: the heartbeat is scheduled every minute). `manage.py status` reads it on any
host. A database that does not answer never stops the schedule: the record waits for the
next turn.
"""

import logging
import time

from celery.beat import PersistentScheduler
from django.db import close_old_connections

logger = logging.getLogger(__name__)

RECORD_EVERY = 30  # seconds


class RecordingScheduler(PersistentScheduler):
    _recorded_at: float | None = None

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if self._recorded_at is None or now - self._recorded_at >= RECORD_EVERY:
            self._recorded_at = now
            self.record_alive()
        return interval

    def record_alive(self) -> None:
        from notifications.services import heartbeat_record

        close_old_connections()  # a long-lived process: drop a connection that has gone bad
        try:
            heartbeat_record(name="beat")
        except Exception as error:  # the database is away: try again on a later turn
            logger.warning("Beat could not record that it is alive: %s", type(error).__name__)
