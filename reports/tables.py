"""The statistics page's tables, built once and shown on the page and as CSV alike, so that
what is hidden on the screen is hidden in the export too.

A table reads its figures from a source: `OwnSource`, an association's own figures as its
coordinators see them, or `PublishedSource`, the same figures as they may leave the association
(national views and every export), with small counts suppressed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from common.texts import filled
from matching.models import MATCH_END_REASONS, CancelReason
from reports.figures import (
    CANCELLED,
    COMMITMENTS,
    CONCERN_FOLLOW_UP_HOURS,
    END_REASONS,
    MEASURES,
    OTHER_OUTCOMES,
    PIPELINE,
    Figures,
)
from reports.publication import Publication, dependent_line
from reports.suppression import PRIMARY, SECONDARY, SHOWN, SMALL_MAX
from supervision.models import DEFAULT_EVERY_WEEKS
from volunteers.models import COMMITMENT_END_REASONS

MISSING = "missing"  # a measure with nothing (or too little) to measure
DAYS_PER_MONTH = 365.25 / 12
# Medians and percentiles are published when they rest on at least this many observations.
MEASURE_MINIMUM = SMALL_MAX + 1


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    state: str = SHOWN
    # count (of people, or of what they did: suppressed when published), activity (sessions
    # and seats: never suppressed), days, hours, share (percent), rate
    kind: str = "count"

    @property
    def shown(self) -> bool:
        return self.state == SHOWN and self.value is not None

    @property
    def hidden(self) -> bool:
        return self.state in (PRIMARY, SECONDARY)

    def _number(self) -> float | int | None:
        value = self.value
        if not self.shown or value is None:
            return None
        if self.kind in ("count", "activity"):
            return int(value)
        if self.kind == "share":
            return round(value)
        return round(value, 1)

    def text(self) -> str:
        """As the page shows it, in the active language's number format."""
        if self.state == PRIMARY:
            return f"<{SMALL_MAX + 1}"
        if self.state == SECONDARY:
            return ":"
        number = self._number()
        if number is None:
            return "–"
        decimals = 0 if float(number).is_integer() else 1
        text = formats.number_format(number, decimal_pos=decimals, force_grouping=True)
        return f"{text} %" if self.kind == "share" else text

    def csv(self) -> str:
        """As the CSV file has it: Norwegian spreadsheets read a decimal comma."""
        number = self._number()
        if self.state != SHOWN or number is None:
            return self.text()
        if float(number).is_integer():
            return str(int(number))
        return f"{number:.1f}".replace(".", ",")


@dataclass
class Row:
    label: str
    cells: list[Cell]
    total: bool = False
    indent: bool = False
    href: str = ""
    # What the row counts, in the code's words (an end reason's value): the label is a name
    # a national admin may change (accounts/lists.py), the key is not.
    key: str = ""


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]  # the first names the row labels
    rows: list[Row] = field(default_factory=list)
    exportable: bool = True
    withheld: bool = False
    note: str = ""
    months: list[date] = field(default_factory=list)  # the monthly table's, for its chart

    @property
    def lines(self) -> list[tuple[Row, list[tuple[str, Cell]]]]:
        """Each row with its cells paired with their column names (for stacked tables)."""
        return [(row, list(zip(self.columns[1:], row.cells, strict=True))) for row in self.rows]


# --- Where the numbers come from -----------------------------------------------------------


class OwnSource:
    """An association's own figures, as her coordinators see them on the page: unsuppressed."""

    published = False

    def __init__(self, figures: Figures, association_id: int | None = None):
        self.figures = figures
        self.association_id = association_id
        self.row = figures.totals if association_id is None else figures.rows[association_id]

    def count(self, key: str) -> Cell:
        return Cell(self.row[key])

    def measure(self, key: str, kind: str) -> Cell:
        value = self.row[key]
        return Cell(value, MISSING if value is None else SHOWN, kind)

    def line(self, values: list[int], total_key: str) -> tuple[list[Cell], bool]:
        return [Cell(v) for v in values], False


class PublishedSource(OwnSource):
    """The figures as they may leave the association: counts from the jointly suppressed
    publication; medians only when they rest on enough observations; lists that add up to a
    published total (per month, per shelter, per end reason) suppressed against it.

    `own`: the association's own figures, counted for it alone, to take its medians and
    activity from when the publication's figures hold only the counts (a coordinator's
    export); they are the same numbers as its row of the national figures."""

    published = True

    def __init__(
        self, publication: Publication, association_id: int | None, own: Figures | None = None
    ):
        super().__init__(own or publication.figures, association_id)
        self.publication = publication
        self.association_id = association_id

    def count(self, key: str) -> Cell:
        value, state = self.publication.cell(key, self.association_id)
        return Cell(value, state)

    def measure(self, key: str, kind: str) -> Cell:
        if self.row[MEASURES[key]] < MEASURE_MINIMUM:
            return Cell(None, MISSING, kind)
        return super().measure(key, kind)

    def line(self, values: list[int], total_key: str) -> tuple[list[Cell], bool]:
        states, withheld = dependent_line(
            values, self.publication.cell(total_key, self.association_id)
        )
        return [Cell(v, s) for v, s in zip(values, states, strict=True)], withheld


def derived(parts: list[Cell], *, total: Cell | None = None, others: Sequence[Cell] = ()) -> Cell:
    """A sum of published counts (the parts), or their total minus the other parts: known
    when either can be computed from what is shown, hidden otherwise. (A shown cell has a
    value: the `is not None` tests only tell the type checker so.)"""
    if all(p.shown for p in parts):
        return Cell(sum(p.value for p in parts if p.value is not None))
    if (
        total is not None
        and total.shown
        and total.value is not None
        and all(o.shown for o in others)
    ):
        return Cell(total.value - sum(o.value for o in others if o.value is not None))
    return Cell(None, SECONDARY)


def share(part: Cell, whole: Cell) -> Cell:
    if part.hidden or whole.hidden:
        return Cell(None, SECONDARY, "share")
    if not whole.shown or not whole.value or part.value is None:
        return Cell(None, MISSING, "share")
    return Cell(100 * part.value / whole.value, SHOWN, "share")


def ratio(part: Cell, whole: Cell, *, kind: str = "rate") -> Cell:
    """part / whole as a measure (no percent)."""
    if part.hidden or whole.hidden:
        return Cell(None, SECONDARY, kind)
    if not whole.shown or not whole.value or part.value is None:
        return Cell(None, MISSING, kind)
    return Cell(part.value / whole.value, SHOWN, kind)


# The order of the statistics page's sections, and the tables in each.
SECTIONS = [
    ("outcomes", gettext_lazy("Outcomes"), ["outcomes", "other-outcomes", "later-outcomes"]),
    (
        "volunteers",
        gettext_lazy("Volunteers"),
        [
            "applications",
            "approvals",
            "pipeline",
            "commitments",
            "renewals",
            "hours",
            "supervision",
        ],
    ),
    ("courses", gettext_lazy("Courses"), ["courses"]),
    (
        "referrals",
        gettext_lazy("Referrals"),
        [
            "referrals",
            "waiting-times",
            "referrals-by-shelter",
            "referrals-by-county",
            "withdrawn",
            "cancelled",
            "withdrawal-reasons",
        ],
    ),
    (
        "matches",
        gettext_lazy("Matches"),
        ["matches", "ended-planned", "end-reasons", "concerns", "relationship", "monthly"],
    ),
    ("associations", gettext_lazy("Each association"), ["associations"]),
]
# Every table in that order: the annual report's, the workbook's.
ORDER = [name for _slug, _title, names in SECTIONS for name in names]


# --- The tables ------------------------------------------------------------------------------

# The topics of figures (reports.figures.TOPICS) each exportable table reads: a CSV file of one
# table is computed from these alone. (The withdrawal reasons are never exported.)
TOPICS_OF: dict[str, tuple[str, ...]] = {
    "outcomes": ("matches",),
    "other-outcomes": ("matches",),
    "later-outcomes": ("matches",),
    "applications": ("volunteers",),
    "approvals": ("volunteers",),
    "pipeline": ("volunteers",),
    "commitments": ("commitments",),
    "renewals": ("commitments",),
    "hours": ("hours",),
    "supervision": ("supervision",),
    "courses": ("courses",),
    "referrals": ("referrals",),
    "waiting-times": ("first_proposals", "matches"),
    "referrals-by-shelter": ("referrals", "shelters"),
    "referrals-by-county": ("referrals", "shelters"),
    "withdrawn": ("referrals",),
    "cancelled": ("cancelled",),
    "matches": ("matches", "meetings"),
    "end-reasons": ("matches",),
    "ended-planned": ("matches",),
    "concerns": ("concerns",),
    # Read by its own query (reports.relationship), no topic of figures.
    "relationship": (),
    "monthly": ("referrals", "matches"),
    "associations": ("volunteers", "referrals", "matches"),
}


def _figure_table(slug: str, title: str, rows: list[Row], **extra) -> Table:
    return Table(slug=slug, title=title, columns=[_("Figure"), _("Number")], rows=rows, **extra)


def outcomes(source) -> Table:
    """The figure the programme is judged by. Rows: did not move back, moved back, not known,
    and the matches ended (their total)."""
    return Table(
        slug="outcomes",
        title=_("Did the woman move back to the abuser? Matches that ended in the period"),
        columns=[_("Outcome"), _("Matches")],
        rows=[
            Row(_("Did not move back to the abuser"), [source.count("outcome_no")]),
            Row(_("Moved back to the abuser"), [source.count("outcome_yes")]),
            Row(_("Not known"), [source.count("outcome_unknown")]),
            Row(_("Matches ended"), [source.count("ended")], total=True),
        ],
    )


def other_outcomes(source) -> Table:
    """The other outcomes at closure of the matches ended in the period: for each, yes (and of
    those, came during the match), no, not known. Each outcome is suppressed as a partition of
    the matches ended; "came during the match" as a list against its published yes."""
    labels = {
        "housing": _("Has housing"),
        "work_or_study": _("Has work or study"),
        "network": _("Has a network of her own"),
        "help_services": _("Has contact with help services"),
    }
    rows: list[Row] = []
    withheld = False
    for name in OTHER_OUTCOMES:
        label = {"outcome": labels[name]}
        yes, during = source.row[f"{name}_yes"], source.row[f"{name}_during"]
        (during_cell, _other), hidden = source.line([during, yes - during], f"{name}_yes")
        withheld = withheld or hidden
        rows += [
            Row(_("%(outcome)s: yes") % label, [source.count(f"{name}_yes")], key=f"{name}_yes"),
            Row(
                _("of which came during the match"),
                [during_cell],
                indent=True,
                key=f"{name}_during",
            ),
            Row(_("%(outcome)s: no") % label, [source.count(f"{name}_no")], key=f"{name}_no"),
            Row(
                _("%(outcome)s: not known") % label,
                [source.count(f"{name}_unknown")],
                key=f"{name}_unknown",
            ),
        ]
    rows.append(Row(_("Matches ended"), [source.count("ended")], total=True))
    return Table(
        slug="other-outcomes",
        title=_("Her situation when the match ended: matches that ended in the period"),
        columns=[_("Outcome"), _("Matches")],
        rows=rows,
        withheld=withheld,
    )


def later_outcomes(source) -> Table:
    """Six months after the end: for the matches whose six months came in the period, whether
    she had moved back to the abuser then (and of the yes, those who had not when the match
    ended), not known, or not asked. Suppressed as a partition of those matches; "had not
    moved back when it ended" as a list against its published yes."""
    yes, after = source.row["later_yes"], source.row["later_after"]
    (after_cell, _other), withheld = source.line([after, yes - after], "later_yes")
    return Table(
        slug="later-outcomes",
        title=_(
            "Six months later: had she moved back to the abuser? Matches that reached six months "
            "after their end in the period"
        ),
        columns=[_("Outcome"), _("Matches")],
        rows=[
            Row(_("Had not moved back to the abuser"), [source.count("later_no")], key="no"),
            Row(_("Had moved back to the abuser"), [source.count("later_yes")], key="yes"),
            Row(
                _("of which had not moved back when the match ended"),
                [after_cell],
                indent=True,
                key="after",
            ),
            Row(_("Not known"), [source.count("later_unknown")], key="unknown"),
            Row(_("Not asked"), [source.count("later_not_recorded")], key="not_recorded"),
            Row(_("Matches six months after their end"), [source.count("later_due")], total=True),
        ],
        withheld=withheld,
    )


def applications(source) -> Table:
    applied = source.count("applied")
    application, screening, course, approved = (
        source.count(k)
        for k in ("funnel_application", "funnel_screening", "funnel_course", "funnel_approved")
    )
    reached_screening = derived([screening, course, approved], total=applied, others=[application])
    reached_course = derived([course, approved], total=applied, others=[application, screening])
    rows = [
        Row(_("Applications received"), [applied, Cell(None, MISSING, "share")]),
        Row(
            _("Screening started"),
            [reached_screening, share(reached_screening, applied)],
            indent=True,
        ),
        Row(
            _("Completed the basic course"),
            [reached_course, share(reached_course, applied)],
            indent=True,
        ),
        Row(_("Approved"), [approved, share(approved, applied)], indent=True),
    ]
    return Table(
        slug="applications",
        title=_("Applications received in the period, and how far the applicants have come"),
        columns=[_("Figure"), _("Number"), _("Share of applicants")],
        rows=rows,
    )


def approvals(source) -> Table:
    return _figure_table(
        "approvals",
        _("Approvals"),
        [
            Row(_("Volunteers approved in the period"), [source.count("approved")]),
            Row(
                _("Days from application to approval, median"),
                [source.measure("approval_days_median", "days")],
            ),
        ],
    )


def pipeline(source) -> Table:
    labels = {
        "status_applied": _("Applied, not yet handled"),
        "status_screening": _("In screening"),
        "status_course": _("At the course stage"),
        "status_approved": _("Approved"),
        "status_paused": _("Paused"),
        "status_ended": _("Ended during the period"),
        "status_rejected": _("Rejected during the period"),
    }
    rows = [Row(labels[key], [source.count(key)]) for key in PIPELINE]
    rows.append(Row(_("In all"), [source.count("pipeline_total")], total=True))
    return Table(
        slug="pipeline",
        title=_("Volunteers by status at the end of the period"),
        columns=[_("Status"), _("Volunteers")],
        rows=rows,
    )


def courses(source) -> Table:
    attended, absent, unregistered = (
        source.count(k) for k in ("attended", "absent", "unregistered")
    )
    filled = source.count("seats_filled")
    registered = derived([attended, absent], total=filled, others=[unregistered])
    return _figure_table(
        "courses",
        _("Course sessions held in the period"),
        [
            Row(_("Sessions held"), [Cell(source.row["sessions_held"], kind="activity")]),
            Row(_("Seats offered"), [Cell(source.row["seats_offered"], kind="activity")]),
            Row(_("Seats filled"), [filled]),
            Row(_("Attended"), [attended], indent=True),
            Row(_("Absent"), [absent], indent=True),
            Row(_("Attendance not registered"), [unregistered], indent=True),
            Row(_("Attendance rate (of those registered)"), [share(attended, registered)]),
        ],
    )


def referrals(source) -> Table:
    return _figure_table(
        "referrals",
        _("Referrals received in the period"),
        [
            Row(_("Referrals received"), [source.count("received")]),
            Row(
                _("With an active match by the end of the period"),
                [source.count("received_matched")],
                indent=True,
            ),
            Row(_("Withdrawn"), [source.count("received_withdrawn")], indent=True),
            Row(
                _("Still waiting at the end of the period"),
                [source.count("received_waiting")],
                indent=True,
            ),
        ],
    )


def waiting_times(source) -> Table:
    return Table(
        slug="waiting-times",
        title=_("Days from referral to match"),
        columns=[_("From referral to"), _("Median"), _("90th percentile"), _("Referrals")],
        rows=[
            Row(
                _("First proposed match (referrals first proposed in the period)"),
                [
                    source.measure("proposal_days_median", "days"),
                    source.measure("proposal_days_p90", "days"),
                    source.count("first_proposals"),
                ],
            ),
            Row(
                _("Active match (matches started in the period)"),
                [
                    source.measure("start_days_median", "days"),
                    source.measure("start_days_p90", "days"),
                    source.count("started"),
                ],
            ),
        ],
    )


def _received_per(source, listed: list[tuple[str, int]], *, slug, title, column) -> Table:
    """The referrals received, per name (a crisis shelter, a county), as a list suppressed
    against the referrals received."""
    cells, withheld = source.line([count for _name, count in listed], "received")
    rows = [Row(name, [cell]) for (name, _count), cell in zip(listed, cells, strict=True)]
    rows.append(Row(_("In all"), [source.count("received")], total=True))
    return Table(
        slug=slug, title=title, columns=[column, _("Referrals")], rows=rows, withheld=withheld
    )


def by_shelter(source, shelters: list[tuple[str, int]]) -> Table:
    return _received_per(
        source,
        shelters,
        slug="referrals-by-shelter",
        title=_("Referrals received per crisis shelter"),
        column=_("Crisis shelter"),
    )


def by_county(source, counties: list[tuple[str, int]]) -> Table:
    """Per county of the municipality where she will live (the municipality group the
    register gives)."""
    return _received_per(
        source,
        counties,
        slug="referrals-by-county",
        title=_("Referrals received per county where she will live"),
        column=_("County"),
    )


def withdrawn(source) -> Table:
    return _figure_table(
        "withdrawn",
        _("Referrals withdrawn in the period"),
        [
            Row(_("Before any match was proposed"), [source.count("withdrawn_before_proposal")]),
            Row(_("After a match was proposed"), [source.count("withdrawn_after_proposal")]),
            Row(_("In all"), [source.count("withdrawn")], total=True),
        ],
    )


def cancelled(source) -> Table:
    labels = dict(CancelReason.choices)
    rows = []
    for key in CANCELLED:
        reason = key.removeprefix("cancelled_")
        if reason == "not_recorded" and not source.row[key]:
            continue
        label = labels.get(reason, _("Not recorded"))
        rows.append(Row(str(label), [source.count(key)]))
    rows.append(Row(_("In all"), [source.count("cancelled")], total=True))
    return Table(
        slug="cancelled",
        title=_("Proposed matches cancelled in the period, by reason"),
        columns=[_("Reason"), _("Proposals")],
        rows=rows,
    )


def withdrawal_reasons(reasons: list[tuple[str, int]]) -> Table:
    return Table(
        slug="withdrawal-reasons",
        title=_("Reasons given for withdrawn referrals"),
        columns=[_("Reason"), _("Referrals")],
        rows=[Row(text or _("No reason given"), [Cell(count)]) for text, count in reasons],
        exportable=False,
        note=_("Only for the association's own coordinators: not exported, not national."),
    )


def matches(source) -> Table:
    meetings = source.count("meetings")
    months_running = Cell(source.row["match_days"] / DAYS_PER_MONTH, kind="activity")
    per_month = ratio(meetings, months_running)
    if source.published and source.row["active_during"] < MEASURE_MINIMUM:
        per_month = Cell(None, MISSING, "rate")
    return _figure_table(
        "matches",
        _("Matches"),
        [
            Row(_("Proposed in the period"), [source.count("proposed")]),
            Row(_("Started in the period"), [source.count("started")]),
            Row(_("Active at the end of the period"), [source.count("active_end")]),
            Row(_("Active at some time in the period"), [source.count("active_during")]),
            Row(_("Ended in the period"), [source.count("ended")]),
            Row(
                _("Length of the matches that ended, median days"),
                [source.measure("length_days_median", "days")],
            ),
            Row(_("Meetings held in the period"), [meetings]),
            Row(_("Meetings per active match per month"), [per_month]),
        ],
    )


def ended_planned(source) -> Table:
    """The matches ended in the period: was the end planned (the coordinator's answer when
    ending it)? A list suppressed against the matches ended."""
    planned, unplanned = source.row["ended_planned"], source.row["ended_unplanned"]
    values = [planned, unplanned, source.row["ended"] - planned - unplanned]
    (planned_cell, unplanned_cell, unknown_cell), withheld = source.line(values, "ended")
    return Table(
        slug="ended-planned",
        title=_("Matches that ended in the period: planned or unplanned"),
        columns=[_("How the match ended"), _("Matches")],
        rows=[
            Row(_("Planned"), [planned_cell], key="planned"),
            Row(_("Unplanned"), [unplanned_cell], key="unplanned"),
            Row(_("Not recorded"), [unknown_cell], key="not_recorded"),
            Row(_("Matches ended"), [source.count("ended")], total=True),
        ],
        withheld=withheld,
    )


def end_reasons(source) -> Table:
    labels = {entry.value: entry.name for entry in MATCH_END_REASONS.entries()}
    keys = [k for k in END_REASONS if k != "end_not_recorded" or source.row[k]]
    cells, withheld = source.line([source.row[k] for k in keys], "ended")
    rows = [
        Row(
            str(labels.get(k.removeprefix("end_"), _("Not recorded"))),
            [cell],
            key=k.removeprefix("end_"),
        )
        for k, cell in zip(keys, cells, strict=True)
    ]
    rows.append(Row(_("In all"), [source.count("ended")], total=True))
    return Table(
        slug="end-reasons",
        title=_("Why the matches ended"),
        columns=[_("Reason"), _("Matches")],
        rows=rows,
        withheld=withheld,
    )


def concerns(source) -> Table:
    return _figure_table(
        "concerns",
        _("Concerns raised in the period"),
        [
            Row(_("Concerns raised"), [source.count("concerns")]),
            Row(
                ngettext(
                    "Followed up within %(hours)s hour",
                    "Followed up within %(hours)s hours",
                    CONCERN_FOLLOW_UP_HOURS,
                )
                % {"hours": CONCERN_FOLLOW_UP_HOURS},
                [source.count("concern_within_24h")],
                indent=True,
            ),
            Row(_("Followed up later"), [source.count("concern_later")], indent=True),
            Row(_("Not followed up yet"), [source.count("concern_open")], indent=True),
            Row(
                _("Hours until followed up, median"),
                [source.measure("concern_hours_median", "hours")],
            ),
        ],
    )


def relationship(figures: list[dict]) -> Table:
    """How the pairs are doing (reports.relationship.relationship_figures): per question, the
    woman's and the volunteer's mean score (1-5) and number of answers. A count of 1 to
    SMALL_MAX is hidden ("<5") and its mean not shown."""
    by_question: dict[str, list[Cell]] = {}
    for figure in figures:
        cells = by_question.setdefault(str(figure["question"]), [])
        if figure["hidden"]:
            cells += [Cell(None, MISSING, "rate"), Cell(None, PRIMARY)]
        else:
            mean = figure["mean"]
            cells += [
                Cell(mean, MISSING if mean is None else SHOWN, "rate"),
                Cell(figure["answers"]),
            ]
    return Table(
        slug="relationship",
        title=_("How the matches are going (mean 1–5)"),
        columns=[
            _("Question"),
            _("The woman, mean"),
            _("The woman, answers"),
            _("The volunteer, mean"),
            _("The volunteer, answers"),
        ],
        rows=[Row(label, cells) for label, cells in by_question.items()],
        note=_(
            "Answers given at the follow-up conversations held in the period (after one, three "
            "and six months and at closing)."
        ),
    )


def commitments(source) -> Table:
    labels = {entry.value: entry.name for entry in COMMITMENT_END_REASONS.entries()}
    order = ["commitment_renewed"] + [k for k in COMMITMENTS if k != "commitment_renewed"]
    rows = []
    for key in order:
        reason = key.removeprefix("commitment_")
        if reason == "not_recorded" and not source.row[key]:
            continue
        rows.append(Row(str(labels.get(reason, _("Not recorded"))), [source.count(key)]))
    total = source.count("commitments_ended")
    rows.append(Row(_("Commitment periods ended"), [total], total=True))
    rows.append(Row(_("Share renewed"), [share(source.count("commitment_renewed"), total)]))
    return Table(
        slug="commitments",
        title=_("Volunteers' commitment periods that ended in the period"),
        columns=[_("How it ended"), _("Commitments")],
        rows=rows,
    )


def renewals(source) -> Table:
    """Volunteers whose commitment period ended in the period, each once: how many renewed
    it for another year, and their share."""
    renewed = source.count("renewal_renewed")
    total = source.count("renewal_volunteers")
    return Table(
        slug="renewals",
        title=_("Renewals: volunteers whose commitment period ended in the period"),
        columns=[_("Figure"), _("Volunteers")],
        rows=[
            Row(_("Renewed for another year"), [renewed]),
            Row(_("Did not renew"), [source.count("renewal_not_renewed")]),
            Row(_("Volunteers whose commitment period ended"), [total], total=True),
            Row(_("Share who renewed"), [share(renewed, total)]),
        ],
    )


def hours(source) -> Table:
    """The time the volunteers gave in the period, in whole hours."""
    return Table(
        slug="hours",
        title=_("Volunteers' hours in the period"),
        columns=[_("Activity"), _("Hours")],
        rows=[
            Row(_("Meetings with the women"), [source.count("hours_meetings")]),
            Row(_("Course sessions attended"), [source.count("hours_courses")]),
            Row(_("Supervision group sessions"), [source.count("hours_supervision")]),
            Row(_("Gatherings attended"), [source.count("hours_gatherings")]),
            Row(_("In all"), [source.count("hours")], total=True),
        ],
        note=_("Whole hours: each activity to the nearest hour, the total their sum."),
    )


def supervision(source) -> Table:
    """Volunteers with an active match on the period's last day, and how many of them attended
    supervision within their association's expected interval before it: the share who met the
    expectation."""
    met = source.count("supervision_met")
    total = source.count("supervision_active")
    return Table(
        slug="supervision",
        title=_("Supervision: volunteers with an active match at the end of the period"),
        columns=[_("Figure"), _("Volunteers")],
        rows=[
            Row(_("Attended supervision as often as expected"), [met]),
            Row(_("Not as often as expected"), [source.count("supervision_not_met")]),
            Row(_("Volunteers with an active match"), [total], total=True),
            Row(_("Share who met the expectation"), [share(met, total)]),
        ],
        note=_(
            "As expected: she attended a supervision group session in the weeks the association "
            "expects (every %(weeks)s weeks unless it says otherwise) up to the period's last day."
        )
        % {"weeks": DEFAULT_EVERY_WEEKS},
    )


def monthly(source, figures: Figures) -> Table:
    months = figures.period.months()
    received = [figures.monthly["referrals"].get(m, 0) for m in months]
    started = [figures.monthly["matches"].get(m, 0) for m in months]
    received_cells, received_withheld = source.line(received, "received")
    started_cells, started_withheld = source.line(started, "started")
    rows = [
        Row(month_label(m), [r, s])
        for m, r, s in zip(months, received_cells, started_cells, strict=True)
    ]
    rows.append(Row(_("In all"), [source.count("received"), source.count("started")], total=True))
    table = Table(
        slug="monthly",
        title=_("Referrals and matches per month"),
        columns=[_("Month"), _("Referrals received"), _("Matches started")],
        rows=rows,
        withheld=received_withheld and started_withheld,
        months=months,
    )
    return table


def month_label(month: date) -> str:
    return formats.date_format(month, "F Y")


# Rows of the national table of each association on one page: seven counts each, with words
# for screen readers beside every hidden one; 25 keep the national page well under 100 KB.
ASSOCIATIONS_PER_PAGE = 25


def associations(
    publication: Publication, names: dict[int, tuple[str, uuid.UUID]], query: str
) -> Table:
    """The national overview: a row per association (linking to its page), and the totals."""
    keys = ["applied", "approved", "received", "started", "active_end", "ended", "outcome_no"]
    rows = [
        Row(
            name,
            [Cell(*publication.cell(k, association_id)) for k in keys],
            href=f"?{query}&forening={public_id}",
        )
        for association_id, (name, public_id) in names.items()
    ]
    rows.append(Row(_("All associations"), [Cell(*publication.cell(k, None)) for k in keys], True))
    return Table(
        slug="associations",
        title=_("Each association"),
        columns=[
            _("Association"),
            _("Applications"),
            _("Approved"),
            pgettext("statistics column", "Referrals"),
            _("Matches started"),
            _("Active at the end"),
            _("Matches ended"),
            _("Did not move back"),
        ],
        rows=rows,
        note=_("The CSV file has every association."),
    )


# Filled from suppression.SMALL_MAX, the one place the smallest shown count lives.
LEGEND = filled(
    gettext_lazy(
        "<%(limit)s: a number from 1 to %(small_max)s. «:» hidden so that a small number cannot "
        "be worked out. –: nothing to measure, or too few to show."
    ),
    limit=SMALL_MAX + 1,
    small_max=SMALL_MAX,
)
