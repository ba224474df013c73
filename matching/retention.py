"""Retention of referrals and matches: what is due for erasure, and when."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from matching.models import Match, MatchStatus, Referral, ReferralStatus
from matching.services import referral_erase


def unmatched_due(by_date: date) -> QuerySet:
    """Referrals withdrawn (or closed) without ever having an active match, closed long enough."""
    ever_active = Match.objects.filter(referral=OuterRef("pk"), started_on__isnull=False)
    cutoff = by_date - timedelta(days=settings.RETENTION_UNMATCHED_REFERRAL_DAYS)
    return Referral.objects.filter(
        erased_at__isnull=True, status=ReferralStatus.WITHDRAWN, closed_at__date__lte=cutoff
    ).exclude(Exists(ever_active))


def ended_due(by_date: date) -> QuerySet:
    """Referrals whose match ended long enough ago."""
    cutoff = by_date - timedelta(days=settings.RETENTION_ENDED_MATCH_DAYS)
    ended = Match.objects.filter(
        referral=OuterRef("pk"), status=MatchStatus.ENDED, ended_on__lte=cutoff
    )
    active = Match.objects.filter(
        referral=OuterRef("pk"), status__in=[MatchStatus.ACTIVE, MatchStatus.PAUSED]
    )
    return (
        Referral.objects.filter(erased_at__isnull=True)
        .filter(Exists(ended))
        .exclude(Exists(active))
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
