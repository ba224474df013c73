"""Read queries shared by the referral and match pages."""

from datetime import timedelta

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from matching.models import (
    OPEN_MATCH,
    RUNNING,
    Match,
    MatchStatus,
    Meeting,
    Referral,
    ReferralStatus,
)

# The shelter sees the volunteer's first name and phone from the first meeting on (it is usually
# held at the shelter, with shelter staff), and nothing else about her.
SHELTER_SEES_VOLUNTEER = (MatchStatus.FIRST_MEETING_PLANNED, MatchStatus.ACTIVE, MatchStatus.PAUSED)


def referral_queue(user) -> list[Referral]:
    """Her association's open referrals: waiting ones oldest first, then those in progress."""
    return list(
        Referral.objects.for_user(user)
        .exclude(status__in=[ReferralStatus.ENDED, ReferralStatus.WITHDRAWN])
        .select_related("shelter", "municipality")
        .order_by("created_at")
    )


def shelter_referrals(user) -> list[Referral]:
    """The shelter's referrals, newest first, each with the match the shelter may know about."""
    referrals = list(
        Referral.objects.for_user(user)
        .select_related("municipality", "association")
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=Match.objects.filter(status__in=SHELTER_SEES_VOLUNTEER).select_related(
                    "volunteer"
                ),
                to_attr="visible_matches",
            )
        )
        .order_by("-created_at")
    )
    for referral in referrals:
        referral.volunteer_contact = volunteer_contact_for_shelter(
            referral.visible_matches[0] if referral.visible_matches else None
        )
    return referrals


def volunteer_contact_for_shelter(match: Match | None) -> dict | None:
    """Only the volunteer's first name and phone, and only from the first meeting on."""
    if match is None or match.status not in SHELTER_SEES_VOLUNTEER:
        return None
    return {"first_name": match.volunteer.first_name, "phone": match.volunteer.phone}


def earlier_match(referral: Referral) -> Match | None:
    """The match of her earlier referral, when she has been referred before."""
    if referral.previous_id is None:
        return None
    return (
        Match.objects.filter(referral_id=referral.previous_id)
        .exclude(status=MatchStatus.CANCELLED)
        .select_related("volunteer")
        .order_by("-proposed_at")
        .first()
    )


def match_overview(user) -> dict:
    """The coordinator's matches by stage, and those ending within 30 days."""
    matches = list(
        Match.objects.for_user(user)
        .filter(status__in=OPEN_MATCH)
        .select_related("referral__municipality", "volunteer")
        .order_by("proposed_at")
    )
    soon = timezone.localdate() + timedelta(days=30)
    return {
        "proposed": [m for m in matches if m.status == MatchStatus.PROPOSED],
        "first_meeting": [m for m in matches if m.status == MatchStatus.FIRST_MEETING_PLANNED],
        "running": [m for m in matches if m.status in RUNNING],
        "ending": [
            m
            for m in matches
            if m.status in RUNNING and m.planned_end_on and m.planned_end_on <= soon
        ],
    }


def open_matches_of(user) -> QuerySet:
    return Match.objects.for_user(user).filter(status__in=OPEN_MATCH)


def with_last_contact(matches: QuerySet) -> QuerySet:
    """Adds `last_meeting_on` (the last logged meeting or attempt) and `last_contact_on` (that,
    or the start of the match when nothing is logged yet)."""
    last = Meeting.objects.filter(match=OuterRef("pk")).order_by("-date").values("date")[:1]
    return matches.annotate(
        last_meeting_on=Subquery(last), last_contact_on=Coalesce(Subquery(last), F("started_on"))
    )


def inactive_matches(matches: QuerySet, *, days: int, today=None) -> QuerySet:
    """THE definition of an inactive match, used by every page, count and reminder: active (not
    paused), and nothing logged - no meeting, no attempt - for `days` days (counted from the
    start while nothing is logged)."""
    today = today or timezone.localdate()
    return with_last_contact(matches.filter(status=MatchStatus.ACTIVE)).filter(
        last_contact_on__lte=today - timedelta(days=days)
    )


def matching_weights_history(limit: int = 10) -> QuerySet:
    """The newest changes of the matching weights (from the change history), with who made them."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from matching.models import MatchingWeights

    return (
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(MatchingWeights))
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
