"""The access log: who saw or was refused what, chained and signed so that tampering shows.

Writing and chaining are apart, so that page views never wait for each other:

- A page view inserts its entry sealed: `seal` is an HMAC-SHA256, keyed with the first of
  AUDIT_LOG_KEYS, over the entry's id (taken from the sequence before the insert) and content.
  No lock, no shared row: two views at once write side by side. The entry is not chained yet
  (no position, no hash).
- `chain_pending` (the Celery task `accounts.chain_access_log`, every half minute, and
  `verify_audit_log` before it checks) is the only writer that locks the chain head. It takes
  the waiting entries in id order and chains them after the newest chained one: each gets its
  `chain_position`, the hash of the entry before it, and its own hash, an HMAC-SHA256 over its
  content and that previous hash; the head moves on and is signed.

The chain's order is `chain_position`, given by the task, not the id. Ids come from a sequence
when a transaction inserts, and transactions commit in another order: an entry with a lower id
can commit after higher ones were chained. The task then chains it after them; nothing waits a
grace period, and a gap in the ids (a rolled-back transaction) is never taken for a removal.
Removal, change, insertion and reordering show in the links: each hash covers the previous hash.

Whoever can write the database but does not hold the key can change or remove an entry, and
recompute plain hashes, but cannot make hashes or seals that verify: the first entry changed,
the one after an entry removed or moved, and a waiting entry with a seal that does not verify,
are reported by `verify()`. What the chain cannot show: an entry removed while it waited to be
chained (at most a minute or so, longer when the workers are down, which `manage.py status`
reports).

Keys rotate: each entry records the id (a fingerprint) of the key that signed it; the first key
listed signs, every key listed verifies. A key that signed entries stays listed.

Entries written before the chain was keyed (no key id) keep the plain SHA-256 they were written
with: the log is append-only, so they are not rewritten. Migration accounts 0009 recorded the
last of them in the signed head (`legacy_until`): they are verified with the plain hash, and any
change to them breaks the link to the first signed entry (whose HMAC covers the hash of the
entry before it), or to the signed head while no signed entry follows. An entry without a key
id after that boundary is reported. Migration accounts 0011 numbered the entries chained until
then in the order of their ids (the order they were chained in, each under the head's lock).
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AccessLog, AccessLogHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64

# Entries chained per transaction of `chain_pending`.
CHAIN_BATCH = 1000
# What chaining sets on an entry.
CHAINED_FIELDS = ["previous_hash", "hash", "key_id", "chain_position", "seal"]
# An entry waiting longer than this to be chained is late (`manage.py status`): the task runs
# every half minute (CELERY_BEAT_SCHEDULE, "access-log-chain").
CHAIN_LATE = timedelta(minutes=10)

# Problems listed by `verify_audit_log` after the first, before it only counts the rest.
PROBLEMS_LISTED = 20


def audit_key_id(key: str) -> str:
    """A short fingerprint naming `key` in the entries it signed (never the key itself)."""
    return hashlib.sha256(b"ressursvenner.access-log.key-id|" + key.encode()).hexdigest()[:16]


def audit_keys() -> dict[str, bytes]:
    """Every key of AUDIT_LOG_KEYS by its id, the signing key first."""
    return {audit_key_id(key): key.encode() for key in settings.AUDIT_LOG_KEYS}


def _signing_key() -> tuple[str, bytes]:
    return next(iter(audit_keys().items()))


def _head_message(head) -> bytes:
    return f"head|{head.legacy_until}|{head.hash}".encode()


def head_sign(head) -> None:
    """Sign the chain head (its hash and the legacy boundary) with the first key. Sets
    `key_id` and `signature`; the caller saves. Used by the migration that keyed the chain."""
    head.key_id, key = _signing_key()
    head.signature = hmac.new(key, _head_message(head), hashlib.sha256).hexdigest()


def _head_signed(head, keys: dict[str, bytes]) -> bool:
    key = keys.get(head.key_id)
    if key is None or not head.signature:
        return False
    expected = hmac.new(key, _head_message(head), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, head.signature)


def actor_ref(user) -> str:
    """A keyed hash of the person: the same person gives the same reference, and nobody can
    turn it back into her without the key."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return hmac.new(
        settings.SECRET_KEY.encode(), str(user.public_id).encode(), hashlib.sha256
    ).hexdigest()


def access_log_record(
    *, user, role: str, action: str, object_type: str, object_id, association_id: int | None = None
) -> AccessLog:
    """Append one entry to the access log (never the data itself: a type and an id).

    Takes no lock: two page views at once write side by side. The entry waits to be chained by
    `chain_pending` (every half minute), sealed meanwhile with the first of AUDIT_LOG_KEYS.

    On PostgreSQL the entry's id is taken from its sequence first, so that it is inserted with
    its seal (which covers the id) in one statement: two queries, one write, and never a moment
    when the entry stands unsealed. An id taken and not used (the insert failed) is a gap, which
    the chain never takes for a removal (its order is `chain_position`). Elsewhere it is inserted
    and then sealed, in one transaction.

    Side effects: one AccessLog row, sealed (the seal covers its id).
    """
    key_id, key = _signing_key()
    entry = AccessLog(
        at=timezone.now(),
        actor=user if getattr(user, "is_authenticated", False) else None,
        actor_ref=actor_ref(user),
        role=role or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        association_id=association_id,
        previous_hash="",
        hash=None,
        key_id=key_id,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [AccessLog._meta.db_table]
            )
            (entry.pk,) = cursor.fetchone()
        entry.seal = entry.compute_seal(key)
        entry.save(force_insert=True)
        return entry
    with transaction.atomic():
        entry.save(force_insert=True)
        entry.seal = entry.compute_seal(key)
        AccessLog.objects.filter(pk=entry.pk).update(seal=entry.seal)
    return entry


def log_access(
    request: HttpRequest, *, action: str, object_type: str, object_id, association_id=None
) -> AccessLog:
    membership = getattr(request, "membership", None)
    return access_log_record(
        user=request.user,
        role=membership.role if membership else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        association_id=association_id,
    )


def _entry(entry: AccessLog) -> str:
    return f"entry {entry.pk} (written {timezone.localtime(entry.at):%Y-%m-%d %H:%M:%S})"


# --- Entries waiting to be chained -------------------------------------------------------------


def _unchained() -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(chain_position__isnull=True)


def _seal_problem(entry: AccessLog, keys: dict[str, bytes]) -> str | None:
    """Why a waiting entry cannot be trusted, in words; None when its seal verifies."""
    key = keys.get(entry.key_id)
    if key is None:
        return (
            f"{_entry(entry)}: waits to be chained, sealed with a key that is not in "
            f"AUDIT_LOG_KEYS (key id {entry.key_id or 'none'}); it cannot be trusted"
        )
    if not entry.seal or not hmac.compare_digest(entry.compute_seal(key), entry.seal):
        return (
            f"{_entry(entry)}: waits to be chained, but its seal does not verify (it was "
            "written or changed without the audit key)"
        )
    return None


def _written_chained(tip: str, keys: dict[str, bytes]) -> list[AccessLog]:
    """Entries the previous release wrote after this one's migration (chained as they were
    written, under the head's lock, but with no position): the links that follow `tip`, each
    with a hash that verifies, in the order of the links. Taken into the chain as they are."""
    following = {
        entry.previous_hash: entry
        for entry in _unchained().filter(seal="", hash__isnull=False).exclude(previous_hash="")
    }
    found = []
    while (entry := following.pop(tip, None)) is not None:
        key = keys.get(entry.key_id)
        if key is None or not hmac.compare_digest(entry.compute_hash(key), entry.hash or ""):
            break
        found.append(entry)
        tip = entry.hash or ""
    return found


def _save_chained(entries: list[AccessLog]) -> None:
    """One UPDATE by id per entry, sent together (psycopg's pipeline): a tenth of the time of
    `bulk_update`, whose CASE expressions Django builds slowly and PostgreSQL scans per row."""
    quote = connection.ops.quote_name
    table = quote(AccessLog._meta.db_table)
    columns = ", ".join(f"{quote(name)} = %s" for name in CHAINED_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {columns} WHERE id = %s",  # noqa: S608 - our own names
            [[getattr(entry, name) for name in CHAINED_FIELDS] + [entry.pk] for entry in entries],
        )


@dataclass(frozen=True)
class ChainRun:
    chained: int = 0
    # Waiting entries left out: their seal does not verify (reported by `verify`).
    refused: tuple[int, ...] = ()
    # Why nothing was chained ("" when the run chained what it could).
    stopped: str = ""


def chain_pending(batch: int = CHAIN_BATCH) -> ChainRun:
    """Chain the entries that wait, in the order of their ids, after the newest chained entry.

    The only writer that takes the head's lock: page views never wait for it, and two runs at
    once (beat's task, `verify_audit_log`) take turns. Each run chains what has committed by
    then; an entry whose transaction commits later, with a lower id than entries chained
    already, is chained by the next run after them: the chain's order is `chain_position`, not
    the id, so the gaps that rolled-back transactions leave in the ids never matter.

    Refuses to chain on a head it cannot trust (its signature does not verify, or it does not
    point at the newest chained entry): signing a new head over it would hide that entries were
    cut off. Entries then keep being written, sealed, and wait; `verify_audit_log` says why and
    `manage.py status` reports them waiting too long.

    Side effects: the waiting entries get their position, previous hash, hash and signing key
    (their seal is emptied); the head moves on and is signed again. Batches of `batch` entries,
    each in a transaction of its own.
    """
    keys = audit_keys()
    key_id, key = _signing_key()
    chained, after = 0, 0
    refused: list[int] = []
    while True:
        with transaction.atomic():
            head, created = AccessLogHead.objects.select_for_update().get_or_create(
                pk=1, defaults={"hash": GENESIS}
            )
            last = (
                AccessLog.objects.filter(chain_position__isnull=False)
                .order_by("-chain_position")
                .first()
            )
            tip = (last.hash or "") if last else GENESIS
            position = (last.chain_position or 0) if last else 0
            stopped = ""
            if created and last is not None:
                stopped = "the chain head is missing (it was deleted)"
            elif not created and not _head_signed(head, keys):
                stopped = "the chain head was changed without the audit key"
            ready = _written_chained(tip, keys)
            for entry in ready:
                position += 1
                entry.chain_position = position
                tip = entry.hash or ""
            if not stopped and head.hash != tip:
                stopped = (
                    "the chain head does not point at the newest chained entry (entries were "
                    "removed, or the head moved)"
                )
            if stopped:
                transaction.set_rollback(True)
                logger.error("The access log was not chained: %s. See verify_audit_log.", stopped)
                return ChainRun(chained=chained, refused=tuple(refused), stopped=stopped)
            taken = [entry.pk for entry in ready]
            waiting = list(
                _unchained().filter(pk__gt=after).exclude(pk__in=taken).order_by("id")[:batch]
            )
            for entry in waiting:
                if _seal_problem(entry, keys) is not None:
                    refused.append(entry.pk)
                    continue
                position += 1
                entry.previous_hash = tip
                entry.key_id = key_id
                entry.hash = entry.compute_hash(key)
                entry.chain_position = position
                entry.seal = ""
                tip = entry.hash
                ready.append(entry)
            if ready:
                _save_chained(ready)
            if ready or created:
                head.hash = tip
                head_sign(head)
                head.save(update_fields=["hash", "key_id", "signature"])
            chained += len(ready)
        if len(waiting) < batch:
            break
        after = waiting[-1].pk
    if refused:
        logger.error(
            "The access log has %d entries whose seal does not verify; they are not chained. "
            "See verify_audit_log.",
            len(refused),
        )
    return ChainRun(chained=chained, refused=tuple(refused))


class HeadNotResumed(Exception):
    pass


@transaction.atomic
def head_resume() -> AccessLog | None:
    """Once tampering with the head or the newest entries has been found and recorded (the
    report of `verify_audit_log` kept with the incident): sign the head again at the newest
    chained entry, so that chaining goes on. Whatever was cut off before it is then gone for good; a
    break further back stays reported.

    Refuses when the newest chained entry is not signed with a key of AUDIT_LOG_KEYS (it could
    be one forged without the key). Returns that entry (None: the chain is empty).

    Side effects: the head's hash, key id and signature; the head is created if it was deleted.
    """
    keys = audit_keys()
    head, _created = AccessLogHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"hash": GENESIS}
    )
    last = (
        AccessLog.objects.filter(chain_position__isnull=False).order_by("-chain_position").first()
    )
    if last is not None:
        key = keys.get(last.key_id)
        if key is None or not hmac.compare_digest(last.compute_hash(key), last.hash or ""):
            raise HeadNotResumed(
                f"{_entry(last)}, the newest chained, is not signed with a key of "
                "AUDIT_LOG_KEYS: the head is not moved to it"
            )
    head.hash = (last.hash or "") if last else GENESIS
    head_sign(head)
    head.save()
    logger.warning(
        "The access log's head was signed again at entry %s, as asked.", last.pk if last else 0
    )
    return last


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None

    def late(self, now: datetime | None = None) -> bool:
        """An entry waited longer than CHAIN_LATE: the chaining task does not run (beat or
        the workers stopped) or refuses to (the head; see `verify`)."""
        return self.oldest is not None and (now or timezone.now()) - self.oldest > CHAIN_LATE


def waiting() -> Waiting:
    """How many entries wait to be chained, and since when the oldest."""
    found = _unchained().aggregate(count=Count("id"), oldest=Min("at"))
    return Waiting(count=found["count"], oldest=found["oldest"])


# --- Verification --------------------------------------------------------------------------


def verify() -> list[str]:
    """Every problem in the chain, in words, the first broken entry first; an empty list when
    the log is whole. Reads only (it chains nothing: `verify_audit_log` chains first).

    The chained entries are checked in chain order; an entry that waits to be chained is
    checked by its seal (a waiting entry is not trusted for being there: one whose seal does
    not verify is reported). How many wait, and since when: `waiting()`."""
    keys = audit_keys()
    head = AccessLogHead.objects.filter(pk=1).first()
    legacy_until = head.legacy_until if head else 0
    problems = []
    previous = GENESIS
    last = None
    chained = AccessLog.objects.filter(chain_position__isnull=False).order_by("chain_position")
    for entry in chained.iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(
                f"{_entry(entry)}: does not follow the entry before it (an entry before it was "
                "removed, or changed and the chain recomputed, or the order was changed)"
            )
        if not entry.key_id:
            if entry.pk > legacy_until:
                problems.append(
                    f"{_entry(entry)}: has no signature, but every entry after entry "
                    f"{legacy_until} must be signed with the audit key (it was written or "
                    "rewritten without the key)"
                )
            elif entry.compute_hash() != entry.hash:
                problems.append(f"{_entry(entry)}: its content was changed after it was written")
        elif entry.key_id not in keys:
            problems.append(
                f"{_entry(entry)}: signed with a key that is not in AUDIT_LOG_KEYS (key id "
                f"{entry.key_id}); a key that has signed entries must stay listed"
            )
        elif not hmac.compare_digest(entry.compute_hash(keys[entry.key_id]), entry.hash or ""):
            problems.append(
                f"{_entry(entry)}: its content was changed after it was written (its hash was "
                "not made with the audit key)"
            )
        previous = entry.hash or ""
        last = entry
    tip = (last.hash or "") if last else GENESIS
    written_chained = _written_chained(tip, keys)
    if written_chained:
        tip = written_chained[-1].hash or ""
    taken = {entry.pk for entry in written_chained}
    for entry in _unchained().order_by("id").iterator(chunk_size=2000):
        if entry.pk not in taken and (problem := _seal_problem(entry, keys)) is not None:
            problems.append(problem)
    if head is None:
        if last is not None:
            problems.append("the chain head is missing (it was deleted)")
        return problems
    if not _head_signed(head, keys):
        problems.append(
            "the chain head was changed without the audit key (its signature does not match)"
        )
    if head.hash != tip:
        problems.append(
            "the newest entries were removed (the chain head points past the last entry)"
        )
    return problems


def pseudonymise_older_than(cutoff) -> int:
    """Drop the link to the person from entries older than `cutoff` (the hash does not cover it).

    Side effects: sets actor to null on those entries.
    """
    return AccessLog.objects.filter(at__lt=cutoff, actor__isnull=False).update(actor=None)
