"""The statistics page's summary in words: what the year (or the chosen period) came to, read
from the tables below it, so that it says nothing they do not.

Each sentence takes its numbers from cells of the tables as the page shows them (counted in
the database, suppressed when published). A count shown as "<5" is said as "fewer than 5"; a
sentence whose number is hidden (":") or not there is left out, and a last sentence says that
some figures are hidden. Nothing is said of what did not happen (no match ended, no meeting),
but of the women who got a ressursvenn and who were referred.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import EndReason
from reports.periods import Period
from reports.suppression import PRIMARY, SMALL_MAX
from reports.tables import Cell, Table

# The rows the summary reads (tables.matches, referrals, approvals, applications,
# waiting_times, hours: their rows come in this order).
MATCHES_STARTED, MATCHES_ACTIVE_END, MATCHES_ENDED, MEETINGS = 1, 2, 4, 6
REFERRALS_RECEIVED, REFERRALS_WAITING = 0, 3
HOURS_IN_ALL = 4  # tables.hours: meetings, courses, supervision, gatherings, in all
SUPERVISION_MET, SUPERVISION_ACTIVE = 0, 2  # tables.supervision: met, did not, in all
# tables.later_outcomes: had not moved back, ..., not asked, in all
LATER_NO, LATER_NOT_ASKED, LATER_DUE = 0, 4, 5


def when(period: Period, today=None) -> str:
    """A calendar year, or the year so far: "In 2026"; otherwise the period's dates."""
    today = today or timezone.localdate()
    start, end = period.start, period.end
    whole_year = start.month == 1 and start.day == 1 and start.year == end.year
    if whole_year and ((end.month, end.day) == (12, 31) or end == today):
        return _("In %(year)s") % {"year": start.year}
    return _("From %(start)s to %(end)s") % {
        "start": formats.date_format(start, "d.m.Y"),
        "end": formats.date_format(end, "d.m.Y"),
    }


class Said:
    """A count as the sentence says it: its words and the number its grammar follows; None
    when it cannot be said (hidden so that a small number cannot be worked out, or missing)."""

    def __init__(self, cell: Cell | None):
        self.words: str | None = None
        self.n = 0
        self.hidden = cell is not None and cell.hidden and cell.state != PRIMARY
        if cell is None:
            return
        if cell.state == PRIMARY:
            self.words = _("fewer than %(n)s") % {"n": SMALL_MAX + 1}
            self.n = SMALL_MAX + 1
        elif cell.shown and cell.value is not None:
            self.words = cell.text()
            self.n = int(cell.value)

    def __bool__(self) -> bool:
        return self.words is not None


def _cell(built: dict[str, Table], slug: str, row: int, column: int = 0) -> Cell | None:
    table = built.get(slug)
    if table is None or len(table.rows) <= row:
        return None
    return table.rows[row].cells[column]


def _end_reason(built: dict[str, Table], reason: str) -> Cell | None:
    """The cell of one end reason (the table is there on the national page and a
    coordinator's own), found by the reason's value: its label is the name a national admin
    gives it."""
    table = built.get("end-reasons")
    if table is None or table.withheld:
        return None
    return next((row.cells[0] for row in table.rows if row.key == reason), None)


def sentences(built: dict[str, Table], period: Period) -> list[str]:
    """The summary: a sentence for each figure that can be said."""
    said: list[str] = []
    hidden = False

    def say(*counts: Said) -> bool:
        nonlocal hidden
        hidden = hidden or any(count.hidden for count in counts)
        return all(counts)

    period_words = when(period)
    started = Said(_cell(built, "matches", MATCHES_STARTED))
    if say(started):
        said.append(
            ngettext(
                "%(when)s, %(count)s woman got a ressursvenn.",
                "%(when)s, %(count)s women got a ressursvenn.",
                started.n,
            )
            % {"when": period_words, "count": started.words}
        )
    ended = Said(_cell(built, "matches", MATCHES_ENDED))
    whole_year = Said(_end_reason(built, EndReason.YEAR_OVER))
    if say(ended) and ended.n:  # (none ended: the headline above says so)
        hidden = hidden or whole_year.hidden
        if whole_year:
            said.append(
                ngettext(
                    "%(ended)s match ended; %(year)s of them lasted the whole year.",
                    "%(ended)s matches ended; %(year)s of them lasted the whole year.",
                    ended.n,
                )
                % {"ended": ended.words, "year": whole_year.words}
            )
        else:
            said.append(
                ngettext("%(ended)s match ended.", "%(ended)s matches ended.", ended.n)
                % {"ended": ended.words}
            )
    later_no = Said(_cell(built, "later-outcomes", LATER_NO))
    later_due = Said(_cell(built, "later-outcomes", LATER_DUE))
    not_asked = Said(_cell(built, "later-outcomes", LATER_NOT_ASKED))
    # Said when someone was asked (nobody asked: "0 of the 3" would say nothing true).
    if say(later_no, later_due, not_asked) and not_asked.n < later_due.n:
        said.append(
            ngettext(
                "Six months after the end, %(no)s of the %(count)s woman whose match had ended "
                "was known not to have moved back to the abuser.",
                "Six months after the end, %(no)s of the %(count)s women whose match had ended "
                "were known not to have moved back to the abuser.",
                later_due.n,
            )
            % {"no": later_no.words, "count": later_due.words}
        )
    active = Said(_cell(built, "matches", MATCHES_ACTIVE_END))
    if say(active) and active.n:
        said.append(
            ngettext(
                "%(count)s pair was still meeting at the end of the period.",
                "%(count)s pairs were still meeting at the end of the period.",
                active.n,
            )
            % {"count": active.words}
        )
    meetings = Said(_cell(built, "matches", MEETINGS))
    if say(meetings) and meetings.n:
        said.append(
            ngettext("The pairs met %(count)s time.", "The pairs met %(count)s times.", meetings.n)
            % {"count": meetings.words}
        )
    received = Said(_cell(built, "referrals", REFERRALS_RECEIVED))
    waiting = Said(_cell(built, "referrals", REFERRALS_WAITING))
    if say(received):
        sentence = ngettext(
            "The crisis shelters referred %(count)s woman",
            "The crisis shelters referred %(count)s women",
            received.n,
        ) % {"count": received.words}
        if say(waiting) and waiting.n:
            sentence += ngettext(
                "; %(count)s was still waiting for a ressursvenn at the end of the period.",
                "; %(count)s were still waiting for a ressursvenn at the end of the period.",
                waiting.n,
            ) % {"count": waiting.words}
        else:
            sentence += "."
        said.append(sentence)
    median = _cell(built, "waiting-times", 1, 0)
    if median is not None and median.shown:
        said.append(
            _("Half of the matches that started began within %(days)s days of the referral.")
            % {"days": median.text()}
        )
    approved = Said(_cell(built, "approvals", 0))
    applied = Said(_cell(built, "applications", 0))
    if say(approved, applied):
        said.append(
            ngettext(
                "%(approved)s new volunteer was approved, and %(applied)s applied.",
                "%(approved)s new volunteers were approved, and %(applied)s applied.",
                approved.n,
            )
            % {"approved": approved.words, "applied": applied.words}
        )
    hours = Said(_cell(built, "hours", HOURS_IN_ALL))
    if say(hours) and hours.n:
        said.append(
            ngettext(
                "The volunteers gave %(count)s hour to meetings, courses, supervision and "
                "gatherings.",
                "The volunteers gave %(count)s hours to meetings, courses, supervision and "
                "gatherings.",
                hours.n,
            )
            % {"count": hours.words}
        )
    met = Said(_cell(built, "supervision", SUPERVISION_MET))
    with_match = Said(_cell(built, "supervision", SUPERVISION_ACTIVE))
    if say(met, with_match) and with_match.n:
        said.append(
            ngettext(
                "%(met)s of the %(count)s volunteer with an active match at the end of the period "
                "had been to supervision as often as expected.",
                "%(met)s of the %(count)s volunteers with an active match at the end of the "
                "period had been to supervision as often as expected.",
                with_match.n,
            )
            % {"met": met.words, "count": with_match.words}
        )
    if hidden:
        said.append(
            _(
                "Some figures are left out here: they are hidden so that small numbers cannot "
                "be worked out."
            )
        )
    return [capfirst(sentence) for sentence in said]
