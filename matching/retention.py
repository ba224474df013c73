"""Retention of referrals and matches: what is due for erasure, and when."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from matching.models import (
    LATER_OUTCOME_DAYS,
    LATER_OUTCOME_GRACE_DAYS,
    Match,
    MatchStatus,
    Referral,
    ReferralStatus,
)
from matching.services import referral_erase


def unmatched_due(by_date: date) -> QuerySet:
    """Referrals withdrawn (or closed) without ever having an active match, closed long enough."""
    ever_active = Match.objects.filter(referral=OuterRef("pk"), started_on__isnull=False)
    cutoff = by_date - timedelta(days=settings.RETENTION_UNMATCHED_REFERRAL_DAYS)
    return Referral.objects.filter(
        erased_at__isnull=True, status=ReferralStatus.WITHDRAWN, closed_at__date__lte=cutoff
    ).exclude(Exists(ever_active))


def ended_due(by_date: date) -> QuerySet:
    """Referrals whose match ended long enough ago: RETENTION_ENDED_MATCH_DAYS, and, while the
    six-month outcome is not recorded, LATER_OUTCOME_DAYS + LATER_OUTCOME_GRACE_DAYS (it waits
    for it, at most that long). A match of hers still waiting for it holds the erasure back."""
    cutoff = by_date - timedelta(days=settings.RETENTION_ENDED_MATCH_DAYS)
    waited = min(cutoff, by_date - timedelta(days=LATER_OUTCOME_DAYS + LATER_OUTCOME_GRACE_DAYS))
    not_recorded = Q(later_moved_back="")
    ended = Match.objects.filter(
        Q(ended_on__lte=waited) | ~not_recorded,
        referral=OuterRef("pk"),
        status=MatchStatus.ENDED,
        ended_on__lte=cutoff,
    )
    waiting = Match.objects.filter(
        not_recorded, referral=OuterRef("pk"), status=MatchStatus.ENDED, ended_on__gt=waited
    )
    active = Match.objects.filter(
        referral=OuterRef("pk"), status__in=[MatchStatus.ACTIVE, MatchStatus.PAUSED]
    )
    return (
        Referral.objects.filter(erased_at__isnull=True)
        .filter(Exists(ended))
        .exclude(Exists(active))
        .exclude(Exists(waiting))
    )


def due(by_date: date) -> QuerySet:
    return (unmatched_due(by_date) | ended_due(by_date)).distinct()


def run(today: date) -> int:
    """Erase every referral that is due. Returns how many."""
    erased = 0
    for referral in due(today).order_by("pk"):
        referral_erase(referral=referral)
        erased += 1
    return erased
