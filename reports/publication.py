"""What may be published of the figures outside an association: one suppressed table per
group of figures, with a row for every association and the totals for all together.

Suppressing each group over all associations at once keeps every view consistent: the
national page, the page of one association and any export show the same cells hidden, so no
view fills in what another hides. See docs/statistics.md for the rules.
"""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import Association
from matching.models import Match, MatchStatus, YesNoUnknown
from reports.figures import (
    GROUP_TOPICS,
    OTHER_OUTCOMES,
    OUTCOMES,
    PARTITIONS,
    SINGLE_COUNTS,
    Figures,
    _on_days,
    _scope,
)
from reports.periods import Period, preset
from reports.suppression import PRIMARY, SECONDARY, SHOWN, Suppressed, suppress

HIDDEN = (PRIMARY, SECONDARY)
# Groups whose total is the same number as another group's, suppressed after it: each other
# outcome's partition has the matches ended as its total, which the outcome table publishes
# (the other outcomes' table shows that one total under all of them). Its total column is
# shown and hidden exactly as there, and its parts suppressed around it.
SAME_TOTAL = {f"{name}_ended": "ended" for name in OTHER_OUTCOMES}


class Publication:
    """Counts as they may be published: (value, state) per association (None: all together).

    Only the groups of the topics the figures cover (Figures.topics): a CSV file of one table
    needs one or two. Each group is suppressed on its own, so leaving the others out changes
    nothing in the ones kept.
    """

    def __init__(self, figures: Figures):
        self.figures = figures
        # In the order of the ids, so that every view of a period suppresses the same cells.
        self.ids = sorted(figures.rows)
        self.index = {association_id: n for n, association_id in enumerate(self.ids)}
        self.tables: dict[str, Suppressed] = {}
        self.where: dict[str, tuple[str, int]] = {}  # figure -> (table, column)
        groups = {**PARTITIONS, **{key: [key] for key in SINGLE_COUNTS}}
        for total, parts in groups.items():
            if GROUP_TOPICS[total] not in figures.topics:
                continue
            cells = [[figures.rows[a][part] for part in parts] for a in self.ids]
            if not cells:  # no association at all: one empty row keeps the shape
                cells = [[0] * len(parts)]
            self.tables[total] = suppress(cells, **self._shared_total(total, len(cells)))
            for column, part in enumerate(parts):
                self.where[part] = (total, column)
            if total not in self.where:
                self.where[total] = (total, len(parts))

    def _shared_total(self, total: str, rows: int) -> dict[str, set[tuple[int, int]]]:
        """The totals of group `total` that another group already shows (fixed) or hides."""
        shared = self.tables.get(SAME_TOTAL.get(total, ""))
        if shared is None:
            return {}
        fixed: set[tuple[int, int]] = set()
        hidden: set[tuple[int, int]] = set()
        for i in range(rows + 1):
            _value, state = shared.cell(i, shared.columns)
            (fixed if state == SHOWN else hidden).add((i, len(PARTITIONS[total])))
        return {"fixed": fixed, "hidden": hidden}

    def cell(self, key: str, association_id: int | None) -> tuple[int, str]:
        """(value, state) of a count for one association, or for all together (None)."""
        table_name, column = self.where[key]
        table = self.tables[table_name]
        row = table.rows if association_id is None else self.index[association_id]
        return table.cell(row, column)


def dependent_line(values: list[int], total: tuple[int, str]) -> tuple[list[str], bool]:
    """States of a list of counts whose sum is a count published (or hidden) elsewhere: the
    end reasons of the matches ended, referrals per shelter or per month.

    The total is known when published, so the line is suppressed with its total fixed; when
    the total is hidden, the whole line is, so that the two tables cannot be set against each
    other. Returns the states and whether the line is withheld.
    """
    _total_value, total_state = total
    if total_state != SHOWN:
        return [SECONDARY] * len(values), True
    if not values:
        return [], False
    rows = len(values)
    result = suppress([[v] for v in values], fixed={(rows, 0), (rows, 1)})
    if result.withheld:
        return [SECONDARY] * len(values), True
    return [result.state[i][0] for i in range(rows)], False


def national_outcomes(period: Period | None = None) -> dict[str, tuple[int, str]]:
    """The headline for the national start page: the matches of every association that ended
    in `period` (this year so far), by outcome, suppressed exactly as on the statistics page.
    Two queries."""
    period = period or preset("this_year")
    ids = sorted(Association.objects.values_list("pk", flat=True))
    ended = Q(status=MatchStatus.ENDED) & _on_days("ended_on", period)
    found = {
        row["referral__association_id"]: row
        for row in Match.objects.filter(_scope("referral__association", None), ended)
        .values("referral__association_id")
        .annotate(
            outcome_no=Count("pk", filter=Q(outcome_moved_back=YesNoUnknown.NO)),
            outcome_yes=Count("pk", filter=Q(outcome_moved_back=YesNoUnknown.YES)),
            outcome_unknown=Count(
                "pk", filter=~Q(outcome_moved_back__in=[YesNoUnknown.NO, YesNoUnknown.YES])
            ),
        )
        .order_by()
    }
    cells = [[found.get(a, {}).get(key, 0) for key in OUTCOMES] for a in ids] or [[0, 0, 0]]
    table = suppress(cells)
    result = {key: table.cell(table.rows, column) for column, key in enumerate(OUTCOMES)}
    result["ended"] = table.cell(table.rows, len(OUTCOMES))
    return result
