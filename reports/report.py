"""What each view of the statistics shows, computed from the database: the national page (all
associations, published), one association as national admins see it (published), a
coordinator's own page, and a coordinator's export of one table (published as the national
view of her association has it).

reports/snapshots.py stores what these return and serves it while it is fresh; the views
(reports/views.py) only choose which one a person may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from accounts.models import Association
from reports import tables
from reports.figures import TOPICS, Figures, Plan, collect, withdrawal_reason_figures
from reports.periods import Period
from reports.publication import Publication
from reports.relationship import relationship_figures


def build_tables(
    source, *, lists: Figures | None, reasons: list | None = None, only: str | None = None
) -> dict[str, tables.Table]:
    """Every table of the page (`only`: just that one). `lists`: the figures to take the
    per-month and per-shelter lists from (None: leave those tables out); `reasons`: free-text
    withdrawal reasons."""
    builders: dict[str, Callable[[], tables.Table]] = {
        "outcomes": lambda: tables.outcomes(source),
        "other-outcomes": lambda: tables.other_outcomes(source),
        "later-outcomes": lambda: tables.later_outcomes(source),
        "applications": lambda: tables.applications(source),
        "approvals": lambda: tables.approvals(source),
        "pipeline": lambda: tables.pipeline(source),
        "commitments": lambda: tables.commitments(source),
        "renewals": lambda: tables.renewals(source),
        "hours": lambda: tables.hours(source),
        "supervision": lambda: tables.supervision(source),
        "courses": lambda: tables.courses(source),
        "referrals": lambda: tables.referrals(source),
        "waiting-times": lambda: tables.waiting_times(source),
        "withdrawn": lambda: tables.withdrawn(source),
        "cancelled": lambda: tables.cancelled(source),
        "matches": lambda: tables.matches(source),
        "ended-planned": lambda: tables.ended_planned(source),
        "concerns": lambda: tables.concerns(source),
        "relationship": lambda: tables.relationship(
            relationship_figures(
                source.figures.period,
                None if source.association_id is None else [source.association_id],
            )
        ),
    }
    if lists is not None:
        builders["referrals-by-shelter"] = lambda: tables.by_shelter(source, lists.by_shelter)
        builders["referrals-by-county"] = lambda: tables.by_county(source, lists.by_county)
        builders["end-reasons"] = lambda: tables.end_reasons(source)
        builders["monthly"] = lambda: tables.monthly(source, lists)
    if reasons is not None:
        builders["withdrawal-reasons"] = lambda: tables.withdrawal_reasons(reasons)
    chosen = [only] if only is not None else list(builders)
    return {slug: builders[slug]() for slug in chosen if slug in builders}


def association_names() -> dict[int, tuple[str, uuid.UUID]]:
    """Every association's name and public id, by id, in the order of their names."""
    return {
        pk: (name, public_id)
        for pk, name, public_id in Association.objects.order_by("name").values_list(
            "pk", "name", "public_id"
        )
    }


class National:
    """The figures of every association in a period, counted and suppressed together once:
    the national page and the page of each association are built from them."""

    def __init__(self, period: Period, *, topics: tuple[str, ...] = TOPICS):
        self.names = association_names()
        self.figures = collect(period, list(self.names), national=True, topics=topics)
        self.publication = Publication(self.figures)

    def all_tables(self, query: str) -> dict[str, tables.Table]:
        """The national page: all associations together, and the table of each association
        (every row; the page shows a page of them) linking to its page with `query`."""
        source = tables.PublishedSource(self.publication, None)
        built = build_tables(source, lists=self.figures)
        built["associations"] = tables.associations(self.publication, self.names, query)
        return built

    def association_tables(self, association_id: int) -> dict[str, tables.Table]:
        """One association as it may be published (no lists: added up over associations they
        would be the national lists' cells)."""
        return build_tables(tables.PublishedSource(self.publication, association_id), lists=None)


def national(period: Period, query: str) -> dict[str, tables.Table]:
    return National(period).all_tables(query)


def published(period: Period, association_id: int) -> dict[str, tables.Table]:
    return National(period).association_tables(association_id)


def own(period: Period, association_id: int) -> dict[str, tables.Table]:
    """A coordinator's page: her association's figures, counted for it alone, as they are.
    Without the free-text withdrawal reasons (withdrawal_reasons(), read on each view)."""
    figures = collect(period, [association_id])
    return build_tables(tables.OwnSource(figures, association_id), lists=figures)


def withdrawal_reasons(
    period: Period, association_id: int, *, until: datetime | None = None
) -> tables.Table:
    """The reasons given for her association's referrals withdrawn in the period (withdrawn
    before `until`: the moment the other figures on her page were counted)."""
    reasons = withdrawal_reason_figures(period, [association_id], until=until)
    return tables.withdrawal_reasons(reasons)


def own_export(period: Period, association_id: int, slug: str) -> tables.Table | None:
    """A coordinator's export of one table: her association's figures counted for it alone,
    each cell published or hidden as the national view of her association has it.

    Which of her counts that view hides depends on the other associations' counts in the same
    groups (a small number elsewhere may need one of hers hidden with it), so those groups'
    counts, and only they, are also counted for every association: no medians, no lists,
    nothing else. Only the topics of that table are computed."""
    topics = tables.TOPICS_OF.get(slug)
    if topics is None or slug == "associations":  # national only
        return None
    ids = list(Association.objects.values_list("pk", flat=True))
    counts = collect(
        period, ids, national=True, topics=topics, plan=Plan(measures=False, lists=False)
    )
    figures = collect(period, [association_id], topics=topics)
    source = tables.PublishedSource(Publication(counts), association_id, own=figures)
    return build_tables(source, lists=figures, only=slug).get(slug)


def own_workbook(period: Period, association_id: int) -> dict[str, tables.Table]:
    """A coordinator's workbook: every table she may export, each as her CSV file of it has it
    (own_export), computed together: the groups of every topic counted for every association
    (counts only), her own figures for her association alone."""
    ids = list(Association.objects.values_list("pk", flat=True))
    counts = collect(period, ids, national=True, plan=Plan(measures=False, lists=False))
    figures = collect(period, [association_id])
    source = tables.PublishedSource(Publication(counts), association_id, own=figures)
    built = build_tables(source, lists=figures)
    return {slug: table for slug, table in built.items() if table.exportable}
