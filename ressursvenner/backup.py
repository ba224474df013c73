"""Backups of the PostgreSQL database, each with a manifest, and their restore and its check.

`manage.py backup` writes `ressursvenner-<UTC time>.dump` (pg_dump's custom format) and
`ressursvenner-<UTC time>.json` beside it: when, which version of the code, the migration state,
the row count of every table, the newest hash of the access log, and the fingerprints of the keys
the data needs (FIELD_ENCRYPTION_KEYS, AUDIT_LOG_KEYS) - never the keys. The counts and the dump
are taken in one snapshot, so they agree even while the service writes.

`manage.py restore FILE` checks, before anything is changed, that the dump is whole (its
SHA-256), that the code knows its migrations, and that this server holds every key the backup
was made with; restores it in one transaction (pg_restore --single-transaction: it applies
wholly or not at all); and then checks the result: the same row counts, an access log whose
chain verifies up to the same newest entry, and a sample of every encrypted column and every
two-step secret that decrypts.

PostgreSQL only: SQLite is for development and the demo (see `require_postgresql`).
See docs/operations.md.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import django
from allauth.mfa.models import Authenticator
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field

from accounts import audit
from accounts.models import AccessLogHead
from common import crypto
from notifications.services import heartbeat_record

MANIFEST_FORMAT = 1
NAME_PATTERN = re.compile(r"^ressursvenner-(\d{8}T\d{6}Z)\.dump$")
# Two backups at once (two beats, or a nightly run and one by hand) would each take a full dump:
# the second finds this lock held and stops. A transaction-level lock, so that it also works
# through PgBouncer in transaction mode.
ADVISORY_LOCK = int.from_bytes(hashlib.sha256(b"ressursvenner.backup").digest()[:8], "big") >> 1
# How many values of each encrypted column (the oldest and the newest) the restore decrypts.
ENCRYPTED_SAMPLE = 25


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is one line for the operator."""


class BackupBusy(BackupError):
    """Another backup of this database is running."""


# --- The database and the PostgreSQL tools --------------------------------------------------


def require_postgresql() -> None:
    """Backups are made of PostgreSQL only. SQLite holds the development and demo data, for
    which a copy of the file is the backup (`sqlite3 db.sqlite3 ".backup copy.sqlite3"`, which
    is consistent while the service runs); production runs on PostgreSQL (README)."""
    if connection.vendor != "postgresql":
        raise BackupError(
            f"backup and restore support PostgreSQL only; this database is {connection.vendor} "
            '(for SQLite, copy the file: sqlite3 db.sqlite3 ".backup copy.sqlite3").'
        )


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def postgres_tool(name: str) -> Path:
    """pg_dump or pg_restore of the server's major version or newer: PG_BIN_DIR when set, else
    Debian's folder for the server's version, else the first on PATH. An older tool cannot
    read a newer server's data, so it is refused with the way out."""
    major = _server_major()
    candidates = []
    if settings.PG_BIN_DIR:
        candidates.append(Path(settings.PG_BIN_DIR) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    tool = next((path for path in candidates if path.is_file() and os.access(path, os.X_OK)), None)
    if tool is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL {major} client (apt-get install "
            f"postgresql-client-{major}) or set PG_BIN_DIR to the folder that holds it."
        )
    version = tool_version(tool)
    if int(version.split(".")[0]) < major:
        raise BackupError(
            f"{tool} is version {version}, older than the PostgreSQL {major} server: install "
            f"postgresql-client-{major} or set PG_BIN_DIR to its folder "
            f"(pg_config --bindir, or /usr/lib/postgresql/{major}/bin)."
        )
    return tool


def tool_version(tool: Path) -> str:
    """ "15.20" from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    output = subprocess.run(  # noqa: S603 - a path we chose, no shell
        [str(tool), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"\) (\d+(?:\.\d+)?)", output)
    if not found:
        raise BackupError(f"cannot read the version of {tool} from {output.strip()!r}.")
    return found.group(1)


def _libpq_keywords() -> set[str]:
    from psycopg import pq

    return {option.keyword.decode() for option in pq.Conninfo.get_defaults()}


def tool_connection() -> tuple[str, dict[str, str]]:
    """The configured database as a libpq connection string for pg_dump and pg_restore, and
    the environment to run them with: the password goes in PGPASSWORD, never on a command line
    (which every user of the host can read)."""
    from psycopg.conninfo import make_conninfo

    params = connection.get_connection_params()
    password = params.pop("password", None)
    keywords = _libpq_keywords()
    conninfo = make_conninfo(
        **{key: str(value) for key, value in params.items() if key in keywords and value}
    )
    env = {**os.environ}
    if password:
        env["PGPASSWORD"] = str(password)
    return conninfo, env


# --- What a manifest records ------------------------------------------------------------------


def key_fingerprints() -> dict[str, list[str]]:
    """The fingerprints of this server's keys, in their configured order (never the keys)."""
    return {
        "field_encryption": [crypto.key_fingerprint(k) for k in settings.FIELD_ENCRYPTION_KEYS],
        "audit_log": [audit.audit_key_id(k) for k in settings.AUDIT_LOG_KEYS],
    }


def counted_tables() -> list[str]:
    """Every table of the installed models (many-to-many tables included) that exists."""
    existing = set(connection.introspection.table_names())
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables & existing)


def row_counts(cursor) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in counted_tables():
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 - names from models
        counts[table] = cursor.fetchone()[0]
    return counts


def migration_state(cursor) -> dict[str, str]:
    """The latest applied migration of each app (migrations are numbered, so the greatest
    name is the latest)."""
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(dump: Path) -> Path:
    return dump.with_suffix(".json")


# --- Backup -----------------------------------------------------------------------------------


@dataclass
class Backup:
    path: Path
    manifest: dict
    removed: list[Path] = field(default_factory=list)


def backup_create(*, directory: Path, keep: int = 0, now: datetime | None = None) -> Backup:
    """Dump the configured database into `directory` with its manifest; then, when `keep` is
    above 0, delete all but the newest `keep` backups there.

    Side effects: two files in `directory` (mode 0600), older backups removed, and the
    WorkerHeartbeat row "backup" set to now (so `manage.py status` on any host sees it).
    Raises BackupBusy when another backup of the database is running, BackupError when the
    tools or the directory are missing.
    """
    require_postgresql()
    pg_dump = postgres_tool("pg_dump")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    dump = directory / f"ressursvenner-{now:%Y%m%dT%H%M%SZ}.dump"
    partial = dump.with_suffix(".dump.partial")
    conninfo, env = tool_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for the counts and the dump, so they agree while the service writes.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        if not cursor.fetchone()[0]:
            raise BackupBusy("another backup of this database is running; this one was skipped.")
        if dump.exists():
            raise BackupError(f"{dump} exists already; try again in a second.")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        manifest = {
            "format": MANIFEST_FORMAT,
            "file": dump.name,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "app_version": settings.APP_VERSION,
            "django_version": django.get_version(),
            "postgresql": {"server": _server_version(cursor), "pg_dump": tool_version(pg_dump)},
            "database": connection.settings_dict["NAME"],
            "migrations": migration_state(cursor),
            "row_counts": row_counts(cursor),
            "access_log_head": _access_log_head(),
            "keys": key_fingerprints(),
        }
        # Made 0600 before pg_dump writes into it: the dump holds email addresses and password
        # hashes in the clear (the sensitive texts only as tokens).
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                str(pg_dump),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {_last_line(result.stderr)}")
    manifest["size"] = partial.stat().st_size
    manifest["sha256"] = _sha256(partial)
    partial.rename(dump)
    _write_private(manifest_path(dump), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    removed = backups_rotate(directory, keep) if keep > 0 else []
    heartbeat_record(name="backup")
    return Backup(path=dump, manifest=manifest, removed=removed)


def _server_version(cursor) -> str:
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0].split()[0]


def _access_log_head() -> str:
    head = AccessLogHead.objects.filter(pk=1).first()
    return head.hash if head else audit.GENESIS


def _write_private(path: Path, text: str) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial.rename(path)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def backups_in(directory: Path) -> list[Path]:
    """The backups in `directory`, newest first (by the UTC time in their names)."""
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir() if NAME_PATTERN.match(path.name)]
    return sorted(found, key=lambda path: path.name, reverse=True)


def backups_rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (and their manifests); nothing else in the
    directory is touched. Returns the dumps removed."""
    removed = backups_in(directory)[keep:]
    for dump in removed:
        dump.unlink(missing_ok=True)
        manifest_path(dump).unlink(missing_ok=True)
    return removed


# --- Restore ----------------------------------------------------------------------------------


@dataclass
class RestorePlan:
    dump: Path
    manifest: dict
    notes: list[str]


def restore_prepare(dump: Path, *, force: bool = False) -> RestorePlan:
    """Every check that can be made before anything changes. Raises BackupError, with one line
    that says what is wrong, when the backup must not be restored here."""
    require_postgresql()
    if not dump.is_file():
        raise BackupError(f"no backup at {dump}.")
    manifest_file = manifest_path(dump)
    if not manifest_file.is_file():
        raise BackupError(
            f"no manifest beside the backup ({manifest_file.name}): it tells which keys the "
            "backup needs and what to check after; copy it with the backup."
        )
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{manifest_file.name} is not a manifest this version can read.")
    if dump.stat().st_size != manifest["size"] or _sha256(dump) != manifest["sha256"]:
        raise BackupError(
            f"{dump.name} is not the file its manifest describes (size or SHA-256 differ): "
            "the copy is damaged or incomplete; nothing was changed."
        )
    notes = [_describe(manifest)]
    missing = _missing_keys(manifest)
    if missing and not force:
        raise BackupError(
            "refused: "
            + "; ".join(missing)
            + ". Nothing was changed. Restore it on a server that holds the backup's keys "
            "(docs/operations.md, Keys), or pass --force to restore data that cannot be read."
        )
    if missing:
        notes.append("Warning (--force): " + "; ".join(missing) + ".")
    notes += _migration_notes(manifest)
    postgres_tool("pg_restore")  # found and new enough, before anything is dropped
    return RestorePlan(dump=dump, manifest=manifest, notes=notes)


def _describe(manifest: dict) -> str:
    rows = sum(manifest["row_counts"].values())
    return (
        f"Backup of {manifest['created_at']} (version {manifest['app_version']}, "
        f"database {manifest['database']}): {rows} rows in {len(manifest['row_counts'])} tables."
    )


def _missing_keys(manifest: dict) -> list[str]:
    """The backup's keys this server does not hold, in words. Every key the backup lists may
    have encrypted (or signed) some of its data, so each must be here; keys added since are
    fine (a rotation after the backup)."""
    here = key_fingerprints()
    problems = []
    for kind, label, setting in (
        ("field_encryption", "encryption key", "FIELD_ENCRYPTION_KEYS"),
        ("audit_log", "access-log key", "AUDIT_LOG_KEYS"),
    ):
        needed = manifest["keys"][kind]
        if not set(needed) <= set(here[kind]):
            problems.append(
                f"the backup was made with {label} {', '.join(needed)}; this server has "
                f"{', '.join(here[kind]) or 'none'} ({setting})"
            )
    return problems


def _migration_notes(manifest: dict) -> list[str]:
    """Refuse a backup made by a newer version (its tables hold what this code does not know);
    note that an older one needs `manage.py migrate` after the restore. Apps no longer
    installed are left out (django_migrations keeps their rows for ever)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or [])
    unknown = [
        f"{app}.{name}"
        for app, name in manifest["migrations"].items()
        if app in loader.migrated_apps and (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"the backup was made by a newer version ({manifest['app_version']}; migrations "
            f"{', '.join(unknown)} are unknown here): install that version first; nothing was "
            "changed."
        )
    behind = [
        app
        for app, name in manifest["migrations"].items()
        if app in loader.migrated_apps and (app, name) not in loader.graph.leaf_nodes(app)
    ]
    if behind:
        return [
            f"The backup is older than this code ({', '.join(behind)}): run manage.py migrate "
            "after the restore."
        ]
    return []


def restore_run(plan: RestorePlan) -> None:
    """Replace the configured database's tables with the backup's, in one transaction.

    Side effects: every object in the backup is dropped (if it exists) and created again from
    it, owned by the configured user. Objects the backup does not have are left as they are.
    """
    pg_restore = postgres_tool("pg_restore")
    conninfo, env = tool_connection()
    connection.close()  # hold nothing the restore has to wait for
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            str(pg_restore),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={conninfo}",
            str(plan.dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed, and as one transaction changed nothing: {_last_line(result.stderr)}"
        )


def restore_verify(manifest: dict) -> list[str]:
    """What does not match the backup after a restore, in words; empty when all is well: the
    row counts, the access log's chain and its newest entry, and a sample of every encrypted
    column and every two-step secret, decrypted with this server's keys."""
    problems = []
    with connection.cursor() as cursor:
        counts = row_counts(cursor)
    for table, expected in sorted(manifest["row_counts"].items()):
        if counts.get(table) != expected:
            problems.append(f"{table} has {counts.get(table)} rows, the backup {expected}")
    chain = audit.verify()
    if chain:
        problems.append(
            f"the access log does not verify ({len(chain)} problems; first: {chain[0]})"
        )
    elif _access_log_head() != manifest["access_log_head"]:
        problems.append("the access log's newest entry is not the backup's")
    problems += _undecryptable()
    return problems


def _undecryptable() -> list[str]:
    """Columns and two-step secrets whose sampled values this server's keys cannot decrypt."""
    quote = connection.ops.quote_name
    failed = []
    with connection.cursor() as cursor:
        for model, names in crypto.encrypted_fields():
            table = quote(model._meta.db_table)
            for name in names:
                column = quote(cast(Field, model._meta.get_field(name)).column)
                values = []
                for order in ("ASC", "DESC"):
                    cursor.execute(
                        f"SELECT {column} FROM {table} WHERE {column} <> '' "  # noqa: S608
                        f"ORDER BY id {order} LIMIT %s",
                        [ENCRYPTED_SAMPLE],
                    )
                    values += [row[0] for row in cursor.fetchall()]
                try:
                    for value in values:
                        crypto.decrypt(value)
                except InvalidToken:
                    failed.append(f"{model._meta.label}.{name}")
    secrets = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}
    for kind, key in secrets.items():
        try:
            for data in Authenticator.objects.filter(type=kind).values_list("data", flat=True):
                if data.get(key):
                    crypto.decrypt(data[key])
        except InvalidToken:
            failed.append(f"two-step {kind} ({key})")
    if failed:
        return [
            f"these do not decrypt with this server's FIELD_ENCRYPTION_KEYS: {', '.join(failed)}"
        ]
    return []
