"""The restore drill, as an operator runs it, on a scratch PostgreSQL database of its own:
demo data, `manage.py backup`, the database dropped, `manage.py restore` - and the same rows
come back, the access log's chain verifies, a meeting note and a two-step secret decrypt. With a
wrong key the restore is refused in one line that names both keys' fingerprints, and nothing is
changed. docs/operations.md, "Backups".

Every command runs as its own process with its own environment (keys, DATABASE_URL), exactly
as on a server; the test reads the database with psycopg, apart from the code it checks. Runs
in `make test` and so in .ci/run (PostgreSQL); skipped where there is no PostgreSQL or pg_dump.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DB = settings.DATABASES["default"]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        DB["ENGINE"] != "django.db.backends.postgresql" or not shutil.which("pg_dump"),
        reason="needs PostgreSQL and its client tools (CI)",
    ),
]

KEY = Fernet.generate_key().decode()
WRONG_KEY = Fernet.generate_key().decode()
AUDIT_KEY = "drill-access-log-key-" + "x" * 32

# The drill's data: the demo, a meeting note (the demo's meetings have none) and a few entries
# of the access log, so that the chain has something to verify (the demo makes none).
DEMO_DATA = """
from django.core.management import call_command
from accounts.audit import access_log_record
from accounts.models import User
from matching.models import Meeting
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
meeting = Meeting.objects.order_by("id").first()
meeting.note = "Kaffe og en tur rundt vannet."
meeting.save(update_fields=["note"])
coordinator = User.objects.get(email="koordinator.oslo@demo.example")
for number in range(5):
    access_log_record(user=coordinator, role="coordinator", action="view",
                      object_type="referral", object_id=f"drill-{number}")
"""


def fingerprint(key: str) -> str:
    return hashlib.sha256(b"ressursvenner.field-key|" + key.encode()).hexdigest()[:16]


def _connect(dbname: str, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(
        dbname=dbname,
        user=DB["USER"] or None,
        password=DB["PASSWORD"] or None,
        host=DB["HOST"] or None,
        port=DB["PORT"] or None,
        autocommit=autocommit,
    )


@pytest.fixture
def scratch():
    """An empty database of the drill's own, dropped afterwards; yields its name."""
    name = f"{DB['NAME']}_drill_{os.getpid()}"[:63]

    def recreate(drop_only: bool = False) -> None:
        with _connect("postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                admin.execute(f'CREATE DATABASE "{name}"')

    recreate()
    yield name, recreate
    recreate(drop_only=True)


def _environment(database: str, backups: Path, key: str = KEY) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"EMAIL_URL", "DEBUG_DEFAULT", "BACKUP_DIR", "PG_BIN_DIR"}
    }
    user = DB["USER"] or ""
    password = f":{DB['PASSWORD']}" if DB["PASSWORD"] else ""
    return {
        **env,
        "DEBUG": "true",  # seed_demo runs with DEBUG only
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": (
            f"postgres://{user}{password}@{DB['HOST'] or '127.0.0.1'}:{DB['PORT'] or 5432}"
            f"/{database}"
        ),
        "SECRET_KEY": "drill-secret-key-" + "y" * 40,
        "FIELD_ENCRYPTION_KEYS": key,
        "AUDIT_LOG_KEYS": AUDIT_KEY,
        "BACKUP_DIR": str(backups),
        "CELERY_TASK_ALWAYS_EAGER": "true",  # the demo's emails go to the console, not a broker
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def row_counts(database: str) -> dict[str, int]:
    """Every table of the database, counted (django_migrations included)."""
    with _connect(database) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def secrets_of(database: str) -> dict[str, str]:
    """A meeting note and a coordinator's two-step (TOTP) secret, as stored: tokens."""
    with _connect(database) as conn:
        note = conn.execute(
            "SELECT note FROM matching_meeting WHERE note <> '' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        totp = conn.execute(
            "SELECT a.data->>'secret' FROM mfa_authenticator a JOIN accounts_user u "
            "ON u.id = a.user_id WHERE u.email = 'koordinator.oslo@demo.example' "
            "AND a.type = 'totp'"
        ).fetchone()[0]
    return {"note": note, "totp": totp}


def test_the_restore_drill(scratch, tmp_path):
    database, recreate = scratch
    backups = tmp_path / "backups"
    env = _environment(database, backups)

    # Demo data, and a few entries in the access log.
    made = manage(env, "shell", "-c", DEMO_DATA)
    assert made.returncode == 0, made.stderr
    before = row_counts(database)
    assert before["matching_meeting"] > 0 and before["accounts_accesslog"] == 5
    stored = secrets_of(database)
    plain = {name: Fernet(KEY.encode()).decrypt(token.encode()) for name, token in stored.items()}
    assert plain["note"] == b"Kaffe og en tur rundt vannet."

    # The backup: a dump and its manifest, which names the keys by fingerprint only.
    result = manage(env, "backup", "--keep", "3")
    assert result.returncode == 0, result.stderr
    (dump,) = backups.glob("ressursvenner-*.dump")
    manifest_text = dump.with_suffix(".json").read_text()
    manifest = json.loads(manifest_text)
    assert manifest["keys"]["field_encryption"] == [fingerprint(KEY)]
    assert KEY not in manifest_text and AUDIT_KEY not in manifest_text
    assert manifest["row_counts"]["matching_meeting"] == before["matching_meeting"]
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    # A second backup while one runs is skipped: the lock is held as a running backup holds it.
    from ressursvenner.backup import ADVISORY_LOCK

    with _connect(database) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK])
        busy = manage(env, "backup")
    assert busy.returncode != 0 and "another backup of this database is running" in busy.stderr
    assert len(list(backups.glob("*.dump"))) == 1

    # Something changes after the backup; a restore with the wrong key must not undo it.
    with _connect(database) as conn:
        conn.execute("UPDATE matching_meeting SET note = ''")
    changed = row_counts(database)

    wrong = manage(
        _environment(database, backups, key=WRONG_KEY), "restore", str(dump), "--no-input"
    )
    assert wrong.returncode != 0
    lines = [line for line in wrong.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, wrong.stderr  # one line, that says it
    assert (
        f"the backup was made with encryption key {fingerprint(KEY)}; "
        f"this server has {fingerprint(WRONG_KEY)}" in lines[0]
    )
    assert "Nothing was changed" in lines[0]
    assert row_counts(database) == changed
    with _connect(database) as conn:
        assert (
            conn.execute("SELECT count(*) FROM matching_meeting WHERE note <> ''").fetchone()[0]
            == 0
        )

    # The server is lost: an empty database, and the backup restored into it.
    recreate()
    assert row_counts(database) == {}
    restored = manage(env, "restore", str(dump), "--no-input")
    assert restored.returncode == 0, restored.stderr
    assert "the access log's chain verifies" in restored.stdout

    assert row_counts(database) == before
    chain = manage(env, "verify_audit_log")
    assert chain.returncode == 0, chain.stderr
    assert "The access log is whole: 5 entries" in chain.stdout
    assert secrets_of(database) == stored
    for name, token in secrets_of(database).items():
        assert Fernet(KEY.encode()).decrypt(token.encode()) == plain[name]
