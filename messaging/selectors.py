"""Who a message goes to: the one definition of the recipients a filter picks, for the preview's
count and names and for the message itself (messaging.services.message_create)."""

import json
import uuid
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.crypto import salted_hmac

from accounts.models import Membership, User
from courses.models import Course, Enrolment
from courses.selectors import completion_condition
from messaging.models import Message
from supervision.models import SupervisionGroup
from volunteers.models import LEFT, Volunteer


@dataclass(frozen=True)
class Recipient:
    """One person a message goes to: a login (in the app and by email) or, for a volunteer
    without a login, her email address alone."""

    name: str
    language: str
    user: User | None = None
    volunteer: Volunteer | None = None
    email: str = ""


def volunteers_for(
    user,
    *,
    association_id: int,
    statuses: list[str],
    course: Course | None = None,
    group: SupervisionGroup | None = None,
    language: str = "",
):
    """The association's volunteers the filter picks: of one of `statuses`, who completed
    `course`, are members of `group`, speak `language` (each where given). Only those `user`
    (the coordinator writing) may see. Never an erased one, one who has left (whatever the
    statuses asked for), nor one whose login is closed (she could not read it)."""
    found = (
        Volunteer.objects.for_user(user)
        .filter(association_id=association_id, status__in=statuses, erased_at__isnull=True)
        .exclude(status__in=LEFT)
        .filter(Q(user__isnull=True) | Q(user__is_active=True))
    )
    if course is not None:
        found = found.filter(
            Exists(Enrolment.objects.filter(completion_condition(course, OuterRef("pk"))))
        )
    if group is not None:
        found = found.filter(supervision_groups=group)
    if language:
        found = found.filter(languages__code=language)
    return found.distinct().select_related("user").order_by("first_name", "last_name", "id")


def volunteer_recipients(volunteers) -> list[Recipient]:
    """One Recipient per person among `volunteers`: two records of one login, or of one address
    without a login, are one person."""
    recipients, seen = [], set()
    for volunteer in volunteers:
        key = (
            ("user", volunteer.user_id) if volunteer.user_id else ("email", volunteer.email.lower())
        )
        if key in seen or not (volunteer.user_id or volunteer.email):
            continue
        seen.add(key)
        if volunteer.user is not None:
            recipients.append(
                Recipient(
                    name=volunteer.full_name,
                    language=volunteer.user.language,
                    user=volunteer.user,
                    email=volunteer.user.email,
                )
            )
        else:
            recipients.append(
                Recipient(
                    name=volunteer.full_name,
                    language=volunteer.language,
                    volunteer=volunteer,
                    email=volunteer.email,
                )
            )
    return recipients


def coordinator_recipients(*, association_ids: list[int] | None = None) -> list[Recipient]:
    """The coordinators of `association_ids` (None: of every association), once each: an unended
    membership and an open login (those away today too: a message waits for her)."""
    memberships = Membership.objects.active_coordinators().select_related("user")
    if association_ids is not None:
        memberships = memberships.filter(association_id__in=association_ids)
    recipients, seen = [], set()
    for membership in memberships.order_by("user__first_name", "user__last_name", "user_id"):
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        user = membership.user
        recipients.append(
            Recipient(
                name=user.get_full_name() or user.email,
                language=user.language,
                user=user,
                email=user.email,
            )
        )
    return recipients


def preview_digest(recipients: list[Recipient], texts: dict[str, str]) -> str:
    """A fingerprint of who a message goes to and what it says, put in the preview's form: the
    send recomputes it, and a different one means she would send what she has not seen."""
    people = sorted(
        f"u{r.user.pk}" if r.user is not None else f"v{r.volunteer.pk if r.volunteer else r.email}"
        for r in recipients
    )
    payload = json.dumps({"recipients": people, "texts": texts}, sort_keys=True)
    return salted_hmac("messaging.preview", payload, algorithm="sha256").hexdigest()


def sent_with_token(user, token: uuid.UUID | None) -> bool:
    """Whether she has sent a message with this preview's one-time token already."""
    return token is not None and Message.objects.filter(author=user, send_token=token).exists()


def messages_for(user):
    """The messages her list shows, each with how many it went to (one query)."""
    return (
        Message.objects.for_user(user)
        .select_related("author", "association")
        .annotate(recipient_count=Count("recipients"))
    )


def messages_received(user):
    """The messages sent to her, newest first."""
    return (
        Message.objects.received_by(user).select_related("association").order_by("-sent_at", "-id")
    )
