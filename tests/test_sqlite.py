"""SQLite, as `make run` uses it, takes a web server and a Celery worker writing side by side.

The demo once answered "database is locked" while the worker delivered mail: a transaction that
read first and then wrote could not get the write lock and failed at once. The settings give
SQLite a write-ahead log, transactions that take the write lock when they begin, and a busy
timeout; this test writes from two real processes at once on a real SQLite file.
"""

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# One writer: Django set up with the project's settings, then many short transactions that read,
# work a moment and then write (as a view or a task does); in the second writer every 20th
# transaction holds the write lock for a while (as a slow task would).
WRITER = """
import sys, time
from pathlib import Path

import django

django.setup()
from django.db import connection, transaction

who, count, slow, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "slow", Path(sys.argv[4])
(folder / f"ready-{who}").touch()
deadline = time.monotonic() + 60
while len(list(folder.glob("ready-*"))) < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
for n in range(count):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM written WHERE who = %s", [who])
        (before,) = cursor.fetchone()
        time.sleep(0.002)  # the work a view does between reading and writing
        cursor.execute("INSERT INTO written (who, n) VALUES (%s, %s)", [who, before])
        if slow and n % 20 == 0:
            time.sleep(0.3)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print("journal_mode", cursor.fetchone()[0])
"""

ROWS_EACH = 120


def test_two_processes_write_at_once_without_database_is_locked(tmp_path):
    database = tmp_path / "demo.sqlite3"
    with sqlite3.connect(database) as setup:
        setup.execute("CREATE TABLE written (who TEXT NOT NULL, n INTEGER NOT NULL)")
    setup.close()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEBUG_DEFAULT"}},
        "DJANGO_SETTINGS_MODULE": "ressursvenner.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "ENV_FILE": str(tmp_path / "no.env"),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, who, str(ROWS_EACH), pace, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who, pace in (("web", "fast"), ("worker", "slow"))
    ]
    results = [(writer.wait(timeout=90), *writer.communicate()) for writer in writers]
    errors = "".join(stderr for _returncode, _stdout, stderr in results)
    assert "database is locked" not in errors
    assert [returncode for returncode, _stdout, _stderr in results] == [0, 0], errors
    with sqlite3.connect(database) as check:
        rows = check.execute("SELECT who, n FROM written").fetchall()
    check.close()
    expected = [("web", n) for n in range(ROWS_EACH)] + [("worker", n) for n in range(ROWS_EACH)]
    assert sorted(rows) == expected
    assert all("journal_mode wal" in stdout for _returncode, stdout, _stderr in results)


def test_the_sqlite_options_apply_to_sqlite_only(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor == "sqlite":
        assert options["transaction_mode"] == "IMMEDIATE"
        assert settings.DATABASES["default"]["ENGINE"] == "ressursvenner.sqlite"
    else:
        assert "transaction_mode" not in options and "init_command" not in options


# `make run`'s database keeps the cached access honest too: its triggers raise the version.
ACCESS_TRIGGERS = """
import django

django.setup()
from django.core.management import call_command
import pytest
from django.db import connection
from django.utils import timezone

call_command("migrate", verbosity=0)
from accounts.models import Membership, Role, User
from tests.factories import person

user = person(Role.NATIONAL_ADMIN, email="a@example.no")
versions = [User.objects.get(pk=user.pk).access_version]
Membership.objects.filter(user=user).update(ended_at=timezone.now())
versions.append(User.objects.get(pk=user.pk).access_version)
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM accounts_membership WHERE user_id = %s", [user.pk])
versions.append(User.objects.get(pk=user.pk).access_version)
print("versions", *versions)
"""


def run_on_sqlite(script: str, folder: Path) -> subprocess.CompletedProcess:
    """Run `script` with the project's settings on a new SQLite database in `folder`."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEBUG_DEFAULT"}},
        "DJANGO_SETTINGS_MODULE": "ressursvenner.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "ENV_FILE": str(folder / "no.env"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_access_version_triggers_work_on_sqlite(tmp_path):
    done = run_on_sqlite(ACCESS_TRIGGERS, tmp_path)
    line = next(line for line in done.stdout.splitlines() if line.startswith("versions"))
    created, ended, deleted = map(int, line.split()[1:])
    assert created < ended < deleted


COUNTS = """
import django

django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
from accounts.models import Role, User
from common.counting import Earliest, count_each
from tests.factories import person

person(Role.NATIONAL_ADMIN, email="a@example.no")
person(Role.NATIONAL_ADMIN, email="b@example.no")
users = User.objects.all()
counts = count_each(users=users, first=Earliest(users, "date_joined"))
assert counts["first"] == users.order_by("date_joined").first().date_joined, counts
print("counted", counts["users"], type(counts["first"]).__name__)
"""


def test_counts_and_earliest_values_come_as_the_orm_gives_them_on_sqlite(tmp_path):
    """SQLite returns a datetime as text: count_each converts it as the ORM does."""
    done = run_on_sqlite(COUNTS, tmp_path)
    assert "counted 2 datetime" in done.stdout


def test_the_switch_to_wal_is_tried_again_while_another_process_holds_the_file(tmp_path):
    """SQLite refuses a switch of journal mode at once when two openers collide (each holds the
    file and waits for the other), whatever the busy timeout: the project's backend tries again
    until its timeout. Here the other opener holds a read for 0.3 s, and the new connection has
    no busy timeout of its own, so only the backend's retries can succeed."""
    from ressursvenner.sqlite.base import use_wal

    path = tmp_path / "new.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("BEGIN")
    other.execute("SELECT * FROM t").fetchall()
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()

    opened = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        opened.execute("PRAGMA journal_mode=WAL")  # what a plain init_command met
    use_wal(opened, timeout=5)
    assert opened.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    opened.close()
    other.close()
