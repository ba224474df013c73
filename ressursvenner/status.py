"""The facts `manage.py status` prints for a person (and its exit code for cron, monit or
Nagios): what /helse/ checks, and what a monitor should alert on besides (docs/operations.md,
"Monitoring"): beat, a stuck outbox, access log entries left unchained, the last backup, the
free disk.

Every fact is read from a shared place (the database, the broker) except the disk, so the
command tells the same on every host - but for the disk of the host it runs on.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone
from kombu import Connection

from accounts import audit
from notifications.models import OutboxMessage, OutboxStatus, WorkerHeartbeat
from ressursvenner import backup, health

# Beat turns at least once a minute and records itself every half minute (ressursvenner/beat.py).
BEAT_SILENCE = timedelta(minutes=5)
# An email waiting longer than this is stuck: the workers are down, or the SMTP server has
# refused it three times (retries after 2, 4 and 8 minutes).
OUTBOX_STUCK = timedelta(minutes=15)
# A filesystem with less free space than this is reported.
DISK_FREE_MIN_PERCENT = 10
# Failed emails are counted over this period.
FAILED_PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class Fact:
    name: str
    ok: bool | None  # None: a fact to know, neither well nor wrong
    text: str


def age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _heartbeat(name: str) -> datetime | None:
    return WorkerHeartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()


def _alive(label: str, name: str, silence: timedelta, now: datetime) -> Fact:
    at = _heartbeat(name)
    if at is None:
        return Fact(label, False, "never recorded")
    since = now - at
    if since > silence:
        return Fact(label, False, f"last alive {age(since)} ago (more than {age(silence)})")
    return Fact(label, True, f"last alive {age(since)} ago")


def database_fact() -> Fact:
    settings_dict = connection.settings_dict
    where = settings_dict["NAME"]
    if settings_dict.get("HOST"):
        where = f"{where} on {settings_dict['HOST']}"
    if health.database_ok():
        return Fact("database", True, f"{connection.vendor} {where} answers")
    return Fact("database", False, f"{connection.vendor} {where} does not answer")


def broker_fact() -> Fact:
    url = settings.CELERY_BROKER_URL
    shown = url if url.startswith("filesystem://") else Connection(url).as_uri()  # no password
    if health.broker_ok():
        return Fact("broker", True, f"{shown} answers")
    return Fact(
        "broker", False, f"{shown} does not answer within {health.BROKER_TIMEOUT_SECONDS} s"
    )


def outbox_fact(now: datetime) -> Fact:
    messages = OutboxMessage.objects
    waiting = messages.filter(status=OutboxStatus.PENDING)
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    left_sending = messages.filter(
        status=OutboxStatus.SENDING,
        created_at__lt=now - OUTBOX_STUCK,
        created_at__gte=now - FAILED_PERIOD,
    ).count()
    failed = messages.filter(
        status=OutboxStatus.FAILED, created_at__gte=now - FAILED_PERIOD
    ).count()
    text = f"{waiting.count()} waiting"
    if oldest is not None:
        text += f" (the oldest for {age(now - oldest)})"
    text += f", {failed} failed in the last {FAILED_PERIOD.days} days"
    if left_sending:
        text += f", {left_sending} left being sent by a worker that stopped (never sent again)"
    stuck = oldest is not None and now - oldest > OUTBOX_STUCK
    if stuck:
        text += f": stuck (an email waits longer than {age(OUTBOX_STUCK)})"
    return Fact("outbox", not stuck, text)


def access_log_fact(now: datetime) -> Fact:
    """Entries waiting to be chained (page views write them unchained; a task every half
    minute chains them): one waiting longer than CHAIN_LATE means the chaining stopped."""
    found = audit.waiting()
    text = f"{found.count} entries waiting to be chained"
    if found.oldest is not None:
        text += f" (the oldest for {age(now - found.oldest)})"
    late = found.late(now)
    if late:
        text += (
            f": late (one waits longer than {age(audit.CHAIN_LATE)}; the workers or beat stopped, "
            "or the chaining refuses: see verify_audit_log --no-chain)"
        )
    return Fact("access log", not late, text)


def backup_fact(now: datetime) -> Fact:
    at = _heartbeat("backup")
    text = "none recorded" if at is None else f"the last made {age(now - at)} ago"
    if settings.BACKUP_DIR:
        newest = backup.backups_in(Path(settings.BACKUP_DIR))
        text += f"; newest here: {newest[0]}" if newest else f"; none in {settings.BACKUP_DIR}"
    limit = settings.BACKUP_MAX_AGE_HOURS
    if not limit:
        return Fact("backup", None, text + " (not checked: BACKUP_MAX_AGE_HOURS is 0)")
    if at is None or now - at > timedelta(hours=limit):
        return Fact("backup", False, text + f" (none within {limit} h)")
    return Fact("backup", True, text)


def disk_paths() -> dict[str, Path]:
    """The local folders the service writes: var/ (static files, the development broker),
    beat's schedule file, and the backups."""
    paths = {"var/": Path(settings.BASE_DIR) / "var"}
    paths["beat schedule"] = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent
    if settings.BACKUP_DIR:
        paths["BACKUP_DIR"] = Path(settings.BACKUP_DIR)
    return paths


def disk_fact(usage: Callable | None = None) -> Fact:
    usage = usage or shutil.disk_usage
    parts, low = [], []
    for label, path in disk_paths().items():
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is None:
            continue
        total, _used, free = usage(existing)
        percent = 100 * free / total if total else 0
        parts.append(f"{label} {free / 1e9:.1f} GB free ({percent:.0f} %)")
        if percent < DISK_FREE_MIN_PERCENT:
            low.append(label)
    text = "; ".join(parts)
    if low:
        return Fact("disk", False, text + f": less than {DISK_FREE_MIN_PERCENT} % free")
    return Fact("disk", True, text)


def facts(now: datetime | None = None) -> list[Fact]:
    now = now or timezone.now()
    found = [
        Fact("version", None, f"{settings.APP_VERSION} (Django {django.get_version()})"),
        database_fact(),
        broker_fact(),
    ]
    if found[1].ok:
        found += [
            _alive("worker", "default", health.WORKER_SILENCE, now),
            _alive("beat", "beat", BEAT_SILENCE, now),
            outbox_fact(now),
            access_log_fact(now),
            backup_fact(now),
        ]
    else:
        found += [
            Fact(name, False, "unknown: the database does not answer")
            for name in ("worker", "beat", "outbox", "access log", "backup")
        ]
    found.append(disk_fact())
    keys = backup.key_fingerprints()
    found.append(
        Fact(
            "keys",
            None,
            f"encryption key {', '.join(keys['field_encryption'])}; "
            f"access-log key {', '.join(keys['audit_log'])} (fingerprints)",
        )
    )
    return found
