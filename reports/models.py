from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Association


class Snapshot(models.Model):
    """The tables of one view of the statistics as they were computed at `computed_at`: what
    that view shows, and nothing more (reports/snapshots.py).

    Counts and measures only, suppressed where the view publishes them (the national views,
    every export); a coordinator's own page holds her association's own figures, as she sees
    them. Never a person, never free text: the withdrawal reasons are read anew on each view.
    `key` names the view, its period and the language of its labels; `association` is the
    association it is about (None: all of them), so that its snapshots go with it.
    """

    key = models.CharField(max_length=255, unique=True)
    association = models.ForeignKey(
        Association, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"), db_index=True)
    tables = models.JSONField()
    # The rows of the long tables (the national table of each association), a page per item,
    # apart from the rest: a page view reads its own page of them alone.
    pages = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")

    def __str__(self) -> str:
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"


class AnnualStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    BUILDING = "building", _("Being built")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# A report in one of these is still being made: one of them at a time per year and association.
UNFINISHED = (AnnualStatus.QUEUED, AnnualStatus.BUILDING)


class AnnualReport(models.Model):
    """The annual report of one calendar year for one association (None: the whole country),
    built by a Celery task (reports/annual.py) as a PDF and a workbook. The files are kept in the
    database, not on disk: the web server and the worker write nowhere on disk (deploy/), any
    number of workers may run on other hosts, and the backups hold them. They are small (tens of
    kilobytes) and served only by the download view, which checks access.

    Counts and measures only, suppressed as every export is: nothing about a person."""

    year = models.PositiveSmallIntegerField(_("year"))
    association = models.ForeignKey(
        Association, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AnnualStatus.choices, default=AnnualStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    pdf = models.BinaryField(blank=True, default=b"")
    xlsx = models.BinaryField(blank=True, default=b"")
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "association"],
                condition=models.Q(status__in=["queued", "building"]),
                nulls_distinct=False,
                name="one_annual_report_build_at_a_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.association_id or 'national'}): {self.status}"

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED
