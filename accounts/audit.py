"""The access log: who saw or was refused what, chained so that tampering shows."""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AccessLog, AccessLogHead

GENESIS = "0" * 64


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

    Side effects: one AccessLog row chained to the previous one; the chain head moves on.
    """
    head, _created = AccessLogHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"hash": GENESIS}
    )
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
    )
    entry.hash = entry.compute_hash()
    entry.save()
    head.hash = entry.hash
    head.save(update_fields=["hash"])
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


def verify() -> list[str]:
    """Every problem in the chain, in words; an empty list when it is whole."""
    problems = []
    previous = GENESIS
    last = None
    for entry in AccessLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            problems.append(
                f"entry {entry.pk}: does not follow the entry before it (one was changed or removed)"
            )
        if entry.compute_hash() != entry.hash:
            problems.append(f"entry {entry.pk}: its content was changed after it was written")
        previous = entry.hash
        last = entry
    head = AccessLogHead.objects.filter(pk=1).first()
    if last is not None and (head is None or head.hash != last.hash):
        problems.append(
            "the newest entries were removed (the chain head points past the last entry)"
        )
    return problems


def pseudonymise_older_than(cutoff) -> int:
    """Drop the link to the person from entries older than `cutoff` (the hash does not cover it).

    Side effects: sets actor to null on those entries.
    """
    return AccessLog.objects.filter(at__lt=cutoff, actor__isnull=False).update(actor=None)
