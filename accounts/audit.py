"""The access log: who saw or was refused what, chained and signed so that tampering shows.

Each entry's hash is an HMAC-SHA256, keyed with the first of AUDIT_LOG_KEYS, over its content and
the hash of the entry before it. Whoever can write the database but does not hold the key can
change or remove an entry, and recompute plain hashes, but cannot make hashes that verify: the
first entry changed, and the one after an entry removed, are reported by `verify()`.

Keys rotate: each entry records the id (a fingerprint) of the key that signed it; the first key
listed signs, every key listed verifies. A key that signed entries stays listed.

Entries written before the chain was keyed (no key id) keep the plain SHA-256 they were written
with: the log is append-only, so they are not rewritten. Migration accounts 0009 recorded the
last of them in the signed head (`legacy_until`): they are verified with the plain hash, and any
change to them breaks the link to the first signed entry (whose HMAC covers the hash of the
entry before it), or to the signed head while no signed entry follows. An entry without a key
id after that boundary is reported.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AccessLog, AccessLogHead

GENESIS = "0" * 64

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


@transaction.atomic
def access_log_record(
    *, user, role: str, action: str, object_type: str, object_id, association_id: int | None = None
) -> AccessLog:
    """Append one entry to the access log (never the data itself: a type and an id).

    Side effects: one AccessLog row chained to the previous one and signed with the first of
    AUDIT_LOG_KEYS; the chain head moves on and is signed again.
    """
    head, _created = AccessLogHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"hash": GENESIS}
    )
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
        previous_hash=head.hash,
        key_id=key_id,
    )
    entry.hash = entry.compute_hash(key)
    entry.save()
    head.hash = entry.hash
    head_sign(head)
    head.save(update_fields=["hash", "key_id", "signature"])
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


def verify() -> list[str]:
    """Every problem in the chain, in words, the first broken entry first; an empty list when
    the log is whole."""
    keys = audit_keys()
    head = AccessLogHead.objects.filter(pk=1).first()
    legacy_until = head.legacy_until if head else 0
    problems = []
    previous = GENESIS
    last = None
    for entry in AccessLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(
                f"{_entry(entry)}: does not follow the entry before it (an entry before it was "
                "removed, or changed and the chain recomputed)"
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
        elif not hmac.compare_digest(entry.compute_hash(keys[entry.key_id]), entry.hash):
            problems.append(
                f"{_entry(entry)}: its content was changed after it was written (its hash was "
                "not made with the audit key)"
            )
        previous = entry.hash
        last = entry
    if head is None:
        if last is not None:
            problems.append("the chain head is missing (it was deleted)")
        return problems
    if not _head_signed(head, keys):
        problems.append(
            "the chain head was changed without the audit key (its signature does not match)"
        )
    if head.hash != (last.hash if last else GENESIS):
        problems.append(
            "the newest entries were removed (the chain head points past the last entry)"
        )
    return problems


def pseudonymise_older_than(cutoff) -> int:
    """Drop the link to the person from entries older than `cutoff` (the hash does not cover it).

    Side effects: sets actor to null on those entries.
    """
    return AccessLog.objects.filter(at__lt=cutoff, actor__isnull=False).update(actor=None)
