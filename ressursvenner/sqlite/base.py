"""Django's SQLite backend for `make run` and the demo, with the database file put in
write-ahead-log mode safely.

WAL lets the web server read while the Celery worker writes. The mode is kept in the file, but
switching a new file to it needs the file to itself, and SQLite answers "database is locked" at
once, without waiting for the busy timeout, when another process opens the file at that
moment (the web server and the worker starting together on a fresh file). So the mode is read
first and switched only when needed, and a switch that meets the other process is tried again
until the connection's timeout has passed.
"""

import sqlite3
import time

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        use_wal(connection, timeout=float(conn_params.get("timeout", 5)))
        return connection


def use_wal(connection: sqlite3.Connection, *, timeout: float) -> None:
    """Put the database in WAL mode unless it is already (an in-memory one stays in memory)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            if mode.lower() not in {"wal", "memory"}:
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
