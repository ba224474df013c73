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
