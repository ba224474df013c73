"""Geometry of the charts, drawn as SVG by the templates (reports/charts/*.html).

Server-side SVG: no script, no CDN, no style attributes (only SVG presentation attributes),
so the charts pass the content security policy. Each chart has a <title> and <desc>, and the
table beside it gives the same numbers. A hidden count (suppressed) gets no bar: a bar's size
never tells more than the published number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from reports.suppression import PRIMARY, SECONDARY, SMALL_MAX
from reports.tables import Cell, Table

BERRY = "#8a1538"  # 8.9:1 on white
DARK = "#343a40"  # 11.5:1
GREY = "#6c757d"  # 4.7:1
INK = "#1f1a1c"
RULE = "#adb5bd"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str

    def __post_init__(self):
        self.x, self.y = round(self.x, 1), round(self.y, 1)
        self.width, self.height = round(self.width, 1), round(self.height, 1)


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"

    def __post_init__(self):
        self.x, self.y = round(self.x, 1), round(self.y, 1)


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, text)


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at least `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)


def _number(value) -> str:
    return formats.number_format(value, force_grouping=True)


def monthly(table: Table) -> Chart | None:
    """Grouped bars: referrals received (berry) and matches started (grey) per month."""
    month_rows = [row for row in table.rows if not row.total]
    if table.withheld or not month_rows:
        return None
    width, height, left, right, top, bottom = 720, 260, 44, 8, 36, 40
    plot_width, plot_height = width - left - right, height - top - bottom
    shown = [c.value for row in month_rows for c in row.cells if c.shown and c.value is not None]
    top_value = nice_ceiling(max(shown, default=0))
    chart = Chart(
        slug="monthly",
        title=_("Referrals and matches per month"),
        description=_(
            "Bars per month: referrals received and matches started. "
            "The same numbers are in the table «Referrals and matches per month»."
        ),
        width=width,
        height=height,
        legend=[(BERRY, _("Referrals received")), (GREY, _("Matches started"))],
    )
    baseline = top + plot_height
    for tick in (0, top_value / 2, top_value):
        y = baseline - tick / top_value * plot_height
        chart.lines.append((left, round(y, 1), width - right, round(y, 1)))
        if float(tick).is_integer():
            chart.labels.append(Label(left - 6, y + 4, _number(int(tick)), "end"))
    slot = plot_width / len(month_rows)
    bar_width = max(slot * 0.36, 1)
    every = math.ceil(len(month_rows) / 12)
    for index, row in enumerate(month_rows):
        x = left + index * slot + slot * 0.12
        for offset, (cell, colour, noun) in enumerate(
            zip(
                row.cells,
                (BERRY, GREY),
                (_("referrals received"), _("matches started")),
                strict=True,
            )
        ):
            title = f"{row.label} – {noun}: {cell.text()}"
            if cell.shown and cell.value:
                bar_height = cell.value / top_value * plot_height
                chart.bars.append(
                    Bar(
                        x + offset * bar_width,
                        baseline - bar_height,
                        bar_width,
                        bar_height,
                        colour,
                        title,
                    )
                )
        if index % every == 0:
            month = table.months[index]
            text = formats.date_format(month, "M" if len(month_rows) <= 12 else "M y")
            chart.labels.append(Label(x + bar_width, baseline + 16, text, "middle"))
    return chart


def funnel(table: Table) -> Chart | None:
    """The applicants of the period, stage by stage: bars narrowing from applied to approved."""
    cells = [row.cells[0] for row in table.rows]
    widest = cells[0].value if cells[0].shown and cells[0].value else None
    if widest is None:
        return None
    width, row_height, gap, label_width = 720, 34, 10, 230
    bar_area = width - label_width - 60
    chart = Chart(
        slug="funnel",
        title=_("From application to approval"),
        description=_(
            "The applicants of the period at each stage: applied, screening started, basic "
            "course completed, approved. The same numbers are in the table of applications."
        ),
        width=width,
        height=len(cells) * (row_height + gap),
    )
    for index, (row, cell) in enumerate(zip(table.rows, cells, strict=True)):
        y = index * (row_height + gap)
        chart.labels.append(Label(0, y + row_height / 2 + 5, row.label))
        centre = label_width + bar_area / 2
        if cell.shown and cell.value:
            bar_width = max(cell.value / widest * bar_area, 2)
            chart.bars.append(
                Bar(
                    centre - bar_width / 2,
                    y,
                    bar_width,
                    row_height,
                    BERRY if index == len(cells) - 1 else GREY,
                    f"{row.label}: {cell.text()}",
                )
            )
        chart.labels.append(Label(width, y + row_height / 2 + 5, cell.text(), "end"))
    return chart


def outcomes(table: Table) -> Chart | None:
    """One bar for the matches that ended, split by whether she moved back to the abuser."""
    no, yes, unknown, ended = (row.cells[0] for row in table.rows)
    if not ended.shown or not ended.value:
        return None
    width, height, bar_height = 720, 70, 40
    chart = Chart(
        slug="outcomes",
        title=_("Did she move back to the abuser?"),
        description=_(
            "The matches that ended in the period: did not move back, moved back, not known. "
            "The same numbers are in the table of outcomes."
        ),
        width=width,
        height=height,
    )
    x = 0.0
    parts = (
        (no, BERRY, _("Did not move back")),
        (yes, DARK, _("Moved back")),
        (unknown, GREY, _("Not known")),
    )
    for cell, colour, text in parts:
        chart.legend.append((colour, f"{text}: {cell.text()}"))
        if cell.shown and cell.value:
            part_width = cell.value / ended.value * width
            chart.bars.append(Bar(x, 0, part_width, bar_height, colour, f"{text}: {cell.text()}"))
            x += part_width
    return chart


def headline(table: Table) -> list[str]:
    """The figure the programme is judged by, in words, first on the page."""
    no, yes, unknown, ended = (row.cells[0] for row in table.rows)
    return headline_sentences(no=no, yes=yes, unknown=unknown, ended=ended)


# The headline's words for the period it covers: the period chosen on the statistics page, or
# "this year so far" on the national start page (the words of that page's heading). `n` counts.
HEADLINE_WORDS = {
    "period": {
        "none": gettext_lazy("No matches ended in the period."),
        "fewer": ngettext_lazy(
            "Fewer than %(n)s match ended in the period – too few to show figures.",
            "Fewer than %(n)s matches ended in the period – too few to show figures.",
            "n",
        ),
        "hidden": gettext_lazy(
            "How many matches ended in the period is hidden, so that small numbers cannot be "
            "worked out."
        ),
        "outcome": ngettext_lazy(
            "%(no)s of the %(ended)s woman whose match ended in the period did not move back "
            "to the abuser.",
            "%(no)s of the %(ended)s women whose match ended in the period did not move back "
            "to the abuser.",
            "n",
        ),
        "ended": ngettext_lazy(
            "%(ended)s match ended in the period.", "%(ended)s matches ended in the period.", "n"
        ),
        "one_stayed": gettext_lazy(
            "The one woman whose match ended in the period did not move back to the abuser."
        ),
    },
    "this_year": {
        "none": gettext_lazy("No matches have ended so far this year."),
        "fewer": ngettext_lazy(
            "Fewer than %(n)s match has ended so far this year – too few to show figures.",
            "Fewer than %(n)s matches have ended so far this year – too few to show figures.",
            "n",
        ),
        "hidden": gettext_lazy(
            "How many matches have ended so far this year is hidden, so that small numbers "
            "cannot be worked out."
        ),
        "outcome": ngettext_lazy(
            "%(no)s of the %(ended)s woman whose match ended so far this year did not move back "
            "to the abuser.",
            "%(no)s of the %(ended)s women whose match ended so far this year did not move back "
            "to the abuser.",
            "n",
        ),
        "ended": ngettext_lazy(
            "%(ended)s match has ended so far this year.",
            "%(ended)s matches have ended so far this year.",
            "n",
        ),
        "one_stayed": gettext_lazy(
            "The one woman whose match has ended so far this year has not moved back to the abuser."
        ),
    },
}


def headline_sentences(
    *, no: Cell, yes: Cell, unknown: Cell, ended: Cell, this_year: bool = False
) -> list[str]:
    """The headline in words, for the statistics page's period or (`this_year`) this year so
    far. The cells come suppressed; a hidden figure is never put into a sentence as a puzzle
    ("<5 of the <5 women", ": moved back"): when too few ended, the sentence says so instead."""
    words = HEADLINE_WORDS["this_year" if this_year else "period"]
    if ended.shown and not ended.value:
        return [str(words["none"])]
    if ended.state == PRIMARY:
        return [words["fewer"] % {"n": SMALL_MAX + 1}]
    if not ended.shown or ended.value is None:  # (a shown cell has a value)
        return [str(words["hidden"])]
    figures = {"n": int(ended.value), "ended": ended.text(), "no": no.text()}
    if figures["n"] == 1 and no.shown and no.value is not None:
        # Never "1 of the 1 woman": one woman's outcome is said of her, or not as a share.
        if no.value == 1:
            return [str(words["one_stayed"])]
        first = words["ended"] % figures
    else:
        first = words["ended" if no.state == SECONDARY else "outcome"] % figures
    if SECONDARY in (yes.state, unknown.state):
        return [
            first,
            _(
                "How many moved back, and for how many it is not known, is hidden so that small "
                "numbers cannot be worked out."
            ),
        ]
    return [
        first,
        _("%(yes)s moved back, and for %(unknown)s it is not known.")
        % {"yes": yes.text(), "unknown": unknown.text()},
    ]
