"""The period the figures cover: this year, last year, the last 12 months, or chosen dates.

Days are days in Europe/Oslo. A period never ends after today: "this year" is this year so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import add_months
from common.forms import DateInput

# The Oslo pilot started in 2016; nothing in the programme is older.
EARLIEST = date(2016, 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive, never after today

    @property
    def start_at(self) -> datetime:
        """The first moment of the first day, in Europe/Oslo."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the last day (the period is start_at <= t < end_before)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        first = self.start.replace(day=1)
        months = []
        while first <= self.end:
            months.append(first)
            first = add_months(first, 1)
        return months


def preset(name: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    if name == "last_12_months":
        return Period(add_months(today, -12) + timedelta(days=1), today)
    return Period(date(today.year, 1, 1), today)


class PeriodForm(forms.Form):
    """The period, from the query string (?periode=…&fra=…&til=…). Empty means this year."""

    periode = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("this_year", _("This year so far")),
            ("last_year", _("Last year")),
            ("last_12_months", _("The last 12 months")),
            ("custom", _("Choose dates")),
        ],
        required=False,
    )
    fra = forms.DateField(label=_("From"), required=False, widget=DateInput())
    til = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("periode") != "custom":
            return data
        today = timezone.localdate()
        start, end = data.get("fra"), data.get("til")
        if "fra" not in self.errors and start is None:
            self.add_error("fra", _("Give the first day of the period."))
        if "til" not in self.errors and end is None:
            self.add_error("til", _("Give the last day of the period."))
        if start and start < EARLIEST:
            self.add_error(
                "fra",
                _("The programme has figures from %(date)s on.")
                % {"date": EARLIEST.strftime("%d.%m.%Y")},
            )
        if start and start > today:
            self.add_error("fra", _("The period cannot start after today."))
        if end and end > today:
            self.add_error("til", _("The period cannot end after today."))
        if start and end and end < start:
            self.add_error("til", _("The last day cannot be before the first day."))
        return data

    @property
    def period(self) -> Period:
        """The chosen period; call only when the form is valid (or unbound: this year)."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("periode") == "custom":
            return Period(data["fra"], data["til"])
        return preset(data.get("periode") or "this_year")

    def query(self) -> str:
        """The query string that chooses this period again (for links and exports)."""
        period, data = self.period, self.cleaned_data if self.is_bound else {}
        name = data.get("periode") or "this_year"
        if name == "custom":
            return f"periode=custom&fra={period.start.isoformat()}&til={period.end.isoformat()}"
        return f"periode={name}"
