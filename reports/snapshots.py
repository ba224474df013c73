"""The statistics as last computed: each view's tables stored as a Snapshot and served while
fresh, so that a page view does not count three years of every association again.

The figures are history and change slowly; counting them for 400 associations takes the
database most of a second. So:

- A view asks for its tables with `served()`: a snapshot younger than `max_age()` (twice the
  refresh interval, STATISTICS_REFRESH_MINUTES) is served as it is; otherwise the tables are
  computed, stored and served. The page says when they were computed ("Figures as of 14:05").
- Beat's task `reports.refresh_statistics` (every STATISTICS_REFRESH_MINUTES) computes the
  national page of the three preset periods anew, in every language, so that national
  admins never wait for them, and deletes the snapshots too old to be served.
- Every other view (one association, a coordinator's page or export, chosen dates) is computed
  when it is first asked for and kept for `max_age()`.

A snapshot holds what its view shows and nothing more: the tables' labels, and for each cell its
state and, only when it is shown, its number (a hidden count is stored without its value). A
coordinator's page holds her own figures, as she sees them; the free-text withdrawal reasons
are never stored (read on each view). The tables are stored per language: their labels are
words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation

from reports import report
from reports.models import Snapshot
from reports.periods import Period, PeriodForm, preset
from reports.suppression import SHOWN
from reports.tables import ASSOCIATIONS_PER_PAGE, Cell, Row, Table

logger = logging.getLogger(__name__)

# Which view a snapshot holds.
NATIONAL = "national"  # all associations, as national admins see them
PUBLISHED = "published"  # one association, as national admins see it
OWN = "own"  # a coordinator's page: her association's own figures
EXPORT = "export"  # a coordinator's export of one table

# The periods the national page offers by name; refreshed ahead of the national admins.
PRESETS = ("this_year", "last_year", "last_12_months")


def refresh_minutes() -> int:
    return settings.STATISTICS_REFRESH_MINUTES


def max_age_minutes() -> int:
    """How old a snapshot may be when it is served: twice the refresh interval, so that a
    refresh that runs late does not send a national admin's view to the database."""
    return 2 * refresh_minutes()


def max_age() -> timedelta:
    return timedelta(minutes=max_age_minutes())


def key(kind: str, association_id: int | None, period: Period, query: str, table: str = "") -> str:
    """The snapshot of one view, in the active language. The query string is part of it: the
    national table of each association links to each association's page with it."""
    scope = "all" if association_id is None else str(association_id)
    parts = [kind, scope, period.start.isoformat(), period.end.isoformat(), query]
    return "|".join([*parts, table, translation.get_language() or settings.LANGUAGE_CODE])


# --- Stored as JSON -------------------------------------------------------------------------

# Tables whose rows are shown a page at a time, and how many a page: their rows (all but the
# totals) are stored page by page, apart from the other tables (Snapshot.pages).
PAGED = {"associations": ASSOCIATIONS_PER_PAGE}


def _cell(cell: Cell) -> list:
    # A hidden count is stored without its number: the snapshot holds what the view shows.
    return [cell.value if cell.state == SHOWN else None, cell.state, cell.kind]


def _rows(rows: list[Row]) -> list:
    return [
        [str(row.label), [_cell(c) for c in row.cells], row.total, row.indent, row.href, row.key]
        for row in rows
    ]


def _table(table: Table, rows: list[Row]) -> dict:
    return {
        "slug": table.slug,
        "title": str(table.title),
        "columns": [str(column) for column in table.columns],
        "rows": _rows(rows),
        "exportable": table.exportable,
        "withheld": table.withheld,
        "note": str(table.note),
        "months": [month.isoformat() for month in table.months],
    }


def encode(tables: dict[str, Table]) -> tuple[dict, dict]:
    """The tables as JSON, and the rows of the paged tables by page (PAGED). A paged table
    keeps its total rows, and the number of its other rows ("count")."""
    encoded, pages = {}, {}
    for slug, table in tables.items():
        if slug not in PAGED:
            encoded[slug] = _table(table, table.rows)
            continue
        body = [row for row in table.rows if not row.total]
        per_page = PAGED[slug]
        encoded[slug] = _table(table, [row for row in table.rows if row.total])
        encoded[slug]["count"] = len(body)
        pages[slug] = [_rows(body[i : i + per_page]) for i in range(0, len(body), per_page)]
    return encoded, pages


def decode_rows(rows: list) -> list[Row]:
    # A snapshot written before rows had a key holds five fields (refreshed within minutes).
    return [
        Row(label, [Cell(*cell) for cell in cells], total, indent, href, *key)
        for label, cells, total, indent, href, *key in rows
    ]


def decode_table(data: dict) -> Table:
    return Table(
        slug=data["slug"],
        title=data["title"],
        columns=data["columns"],
        rows=decode_rows(data["rows"]),
        exportable=data["exportable"],
        withheld=data["withheld"],
        note=data["note"],
        months=[date.fromisoformat(month) for month in data["months"]],
    )


# --- Served ---------------------------------------------------------------------------------


@dataclass
class Served:
    """A view's tables as computed at `computed_at`. A paged table (PAGED) holds its total
    rows alone: `page()` gives a page of its other rows, `table()` the whole of it."""

    key: str
    computed_at: datetime
    tables: dict[str, Table]
    counts: dict[str, int] = field(default_factory=dict)
    # Every page of the paged tables, when they were computed in this request (else read).
    pages: dict[str, list] | None = None
    # Pages read with the snapshot: (table, number) -> its rows as stored.
    read: dict[tuple[str, int], list] = field(default_factory=dict)

    def count(self, slug: str) -> int:
        """The rows of a paged table, its totals left out."""
        return self.counts.get(slug, 0)

    def page(self, slug: str, number: int) -> list[Row]:
        """Page `number` (from 1) of a paged table's rows, its totals left out: one query,
        unless it was read with the snapshot."""
        if self.pages is not None:
            chosen = self.pages.get(slug, [])
            found = chosen[number - 1] if 0 < number <= len(chosen) else None
        elif (slug, number) in self.read:
            found = self.read[slug, number]
        else:
            found = (
                Snapshot.objects.filter(key=self.key)
                .values_list(f"pages__{slug}__{number - 1}", flat=True)
                .first()
            )
        return decode_rows(found or [])

    def table(self, slug: str) -> Table | None:
        """One table whole: a paged one with every row, then its totals (one query for the
        rows, unless they were read with the snapshot)."""
        table = self.tables.get(slug)
        if table is None or slug not in PAGED:
            return table
        if self.pages is not None:
            pages = self.pages.get(slug, [])
        else:
            pages = (
                Snapshot.objects.filter(key=self.key)
                .values_list(f"pages__{slug}", flat=True)
                .first()
            ) or []
        rows = [row for page in pages for row in decode_rows(page)]
        return replace(table, rows=[*rows, *table.rows])


def _served(snapshot_key: str, computed_at: datetime, tables: dict, pages: dict | None) -> Served:
    return Served(
        key=snapshot_key,
        computed_at=computed_at,
        tables={slug: decode_table(table) for slug, table in tables.items()},
        counts={slug: table["count"] for slug, table in tables.items() if "count" in table},
        pages=pages,
    )


def store(
    snapshot_key: str,
    association_id: int | None,
    tables: dict[str, Table],
    computed_at: datetime,
) -> tuple[dict, dict]:
    """Keep the tables under `snapshot_key`, replacing what was there (two views computing the
    same snapshot at once both store it; the later one stays). Returns them as stored."""
    encoded, pages = encode(tables)
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                key=snapshot_key,
                association_id=association_id,
                computed_at=computed_at,
                tables=encoded,
                pages=pages,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["association", "computed_at", "tables", "pages"],
    )
    return encoded, pages


def _fresh():
    return Snapshot.objects.filter(computed_at__gt=timezone.now() - max_age())


def served(
    kind: str,
    association_id: int | None,
    period: Period,
    query: str,
    compute: Callable[[], dict[str, Table]],
    *,
    table: str = "",
    page: tuple[str, int] | None = None,
    every_page: bool = False,
) -> Served:
    """The view's tables: its snapshot when one is fresh (one query), or else computed by
    `compute()` now, stored and returned. What is returned is the same either way: read back
    as it was stored (a hidden count has no number in either).

    The rows of the paged tables are read with the snapshot: every page (`every_page`, for a
    file of the whole table), or `page`, a paged table and the number of the page the view
    will likely show; another page is read apart (`Served.page()`)."""
    snapshot_key = key(kind, association_id, period, query, table)
    fields = ["computed_at", "tables"]
    if every_page:
        fields.append("pages")
    elif page is not None and page[1] >= 1:
        fields.append(f"pages__{page[0]}__{page[1] - 1}")
    found = _fresh().filter(key=snapshot_key).values_list(*fields).first()
    if found is not None:
        computed_at, tables, *rows = found
        if every_page:
            return _served(snapshot_key, computed_at, tables, rows[0])
        served = _served(snapshot_key, computed_at, tables, None)
        if page is not None and rows and rows[0] is not None:
            served.read[page] = rows[0]
        return served
    computed_at = timezone.now()
    encoded, pages = store(snapshot_key, association_id, compute(), computed_at)
    return _served(snapshot_key, computed_at, encoded, pages)


def national_outcomes(period: Period, query: str) -> Table | None:
    """The outcomes table of the national page of `period`, from its snapshot when one is
    fresh (that table alone is read); None when there is none."""
    found = (
        _fresh()
        .filter(key=key(NATIONAL, None, period, query))
        .values_list("tables__outcomes", flat=True)
        .first()
    )
    return None if found is None else decode_table(found)


# --- Refreshed by beat ----------------------------------------------------------------------


def preset_query(name: str) -> str:
    """The query string of a preset period, as the page's form writes it."""
    form = PeriodForm({"periode": name})
    form.is_valid()
    return form.query()


def refresh(today: date | None = None) -> int:
    """Compute the national page of each preset period anew, in every language, and delete
    the snapshots too old to be served. Returns the number of snapshots stored.

    The figures of a period are counted and suppressed once and the tables built in each
    language from them."""
    now = timezone.now()
    deleted, _ = Snapshot.objects.filter(computed_at__lte=now - max_age()).delete()
    stored = 0
    for name in PRESETS:
        period = preset(name, today)
        query = preset_query(name)
        started = timezone.now()
        national = report.National(period)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                store(key(NATIONAL, None, period, query), None, national.all_tables(query), started)
            stored += 1
    logger.info("Statistics refreshed: %s snapshots stored, %s deleted.", stored, deleted)
    return stored
