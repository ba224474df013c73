"""Retention of volunteers who have left: due for erasure six months after their last year.
And the spreadsheets coordinators uploaded (VolunteerImport): deleted a day after the upload,
imported or not (the volunteers keep when and by whom they were imported)."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from volunteers import hooks
from volunteers.importing import KEPT_HOURS
from volunteers.models import Status, Volunteer, VolunteerImport
from volunteers.services import volunteer_erase


def due(by_date: date) -> QuerySet:
    cutoff = by_date - timedelta(days=settings.RETENTION_VOLUNTEER_DAYS)
    left = (
        Volunteer.objects.filter(erased_at__isnull=True, status__in=[Status.ENDED, Status.REJECTED])
        .annotate(left_on=Coalesce(Max("commitments__ended_on"), TruncDate("status_changed_at")))
        .filter(left_on__lte=cutoff)
    )
    # Never while a woman is still matched with her (the coordinator is told on her page).
    return hooks.without_open_matches(left)


def imports_delete() -> int:
    """Side effects: deletes the uploads older than KEPT_HOURS."""
    cutoff = timezone.now() - timedelta(hours=KEPT_HOURS)
    deleted, _ = VolunteerImport.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def run(today: date) -> int:
    imports_delete()
    erased = 0
    for volunteer in due(today).order_by("pk"):
        volunteer_erase(volunteer=volunteer)
        erased += 1
    return erased
