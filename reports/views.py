"""The statistics page and its CSV exports.

A coordinator sees her association's figures as they are. A national admin sees all
associations together and each one, as published: small counts suppressed. Every CSV file is
published (it leaves the system), so a coordinator's export carries the same suppression as the
national view of her association.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Association, Role
from common.pagination import page_of
from reports import charts, tables
from reports.figures import Figures, Plan, collect
from reports.periods import Period, PeriodForm
from reports.publication import Publication
from reports.suppression import SMALL_MAX

# The order of the page's sections, and the tables in each.
SECTIONS = [
    ("outcomes", gettext_lazy("Outcomes"), ["outcomes"]),
    (
        "volunteers",
        gettext_lazy("Volunteers"),
        ["applications", "approvals", "pipeline", "commitments"],
    ),
    ("courses", gettext_lazy("Courses"), ["courses"]),
    (
        "referrals",
        gettext_lazy("Referrals"),
        [
            "referrals",
            "waiting-times",
            "referrals-by-shelter",
            "withdrawn",
            "cancelled",
            "withdrawal-reasons",
        ],
    ),
    ("matches", gettext_lazy("Matches"), ["matches", "end-reasons", "concerns", "monthly"]),
    ("associations", gettext_lazy("Each association"), ["associations"]),
]


# Rows of the national table of each association on one page: seven counts each, with words
# for screen readers beside every hidden one; 25 keep the national page well under 100 KB.
ASSOCIATIONS_PER_PAGE = 25


def _association(request: RoleRequest) -> Association | None:
    """The association the page is about (None: all of them, for national admins). A
    coordinator asking for another association's figures gets 404, as does an unknown id."""
    membership = request.membership
    asked = request.GET.get("forening", "").strip()
    public_id = None
    if asked:
        try:
            public_id = uuid.UUID(asked)
        except ValueError:
            raise Http404 from None
    if membership.role == Role.COORDINATOR:
        own = membership.own_association
        if public_id and public_id != own.public_id:
            raise Http404
        return own
    if not public_id:
        return None
    return get_object_or_404(Association.objects.for_user(request.user), public_id=public_id)


def build_tables(
    source, *, lists: Figures | None, reasons: list | None = None, only: str | None = None
) -> dict[str, tables.Table]:
    """Every table of the page (`only`: just that one). `lists`: the figures to take the
    per-month and per-shelter lists from (None: leave those tables out); `reasons`: free-text
    withdrawal reasons."""
    builders: dict[str, Callable[[], tables.Table]] = {
        "outcomes": lambda: tables.outcomes(source),
        "applications": lambda: tables.applications(source),
        "approvals": lambda: tables.approvals(source),
        "pipeline": lambda: tables.pipeline(source),
        "commitments": lambda: tables.commitments(source),
        "courses": lambda: tables.courses(source),
        "referrals": lambda: tables.referrals(source),
        "waiting-times": lambda: tables.waiting_times(source),
        "withdrawn": lambda: tables.withdrawn(source),
        "cancelled": lambda: tables.cancelled(source),
        "matches": lambda: tables.matches(source),
        "concerns": lambda: tables.concerns(source),
    }
    if lists is not None:
        builders["referrals-by-shelter"] = lambda: tables.by_shelter(source, lists.by_shelter)
        builders["end-reasons"] = lambda: tables.end_reasons(source)
        builders["monthly"] = lambda: tables.monthly(source, lists)
    if reasons is not None:
        builders["withdrawal-reasons"] = lambda: tables.withdrawal_reasons(reasons)
    chosen = [only] if only is not None else list(builders)
    return {slug: builders[slug]() for slug in chosen if slug in builders}


def _national_names() -> dict[int, tuple[str, uuid.UUID]]:
    return {
        pk: (name, public_id)
        for pk, name, public_id in Association.objects.order_by("name").values_list(
            "pk", "name", "public_id"
        )
    }


def report(
    request: RoleRequest, association: Association | None, period: Period, query: str
) -> dict[str, tables.Table]:
    """The tables the person may see for `association` (None: all) in `period`. A
    coordinator's are counted for her association alone; the national ones over all
    associations, grouped by association (their small numbers are suppressed together)."""
    if request.membership.role == Role.COORDINATOR:
        own = request.membership.own_association  # the `association` of a coordinator's page
        figures = collect(period, [own.pk], withdrawal_reasons=True)
        source = tables.OwnSource(figures, own.pk)
        return build_tables(source, lists=figures, reasons=figures.withdrawal_reasons)
    names = _national_names()
    figures = collect(period, list(names), national=True)
    publication = Publication(figures)
    if association is not None:
        return build_tables(tables.PublishedSource(publication, association.pk), lists=None)
    built = build_tables(tables.PublishedSource(publication, None), lists=figures)
    built["associations"] = tables.associations(publication, names, query)
    return built


def export(
    request: RoleRequest, association: Association | None, period: Period, query: str, slug: str
) -> tables.Table | None:
    """One table as it may leave the system, computed from the topics it reads alone (None:
    no such table, or not for this person).

    A coordinator's: her association's figures counted for it alone, each cell published or
    hidden as the national view of her association has it. Which of her counts that view
    hides depends on the other associations' counts in the same groups (a small number
    elsewhere may need one of hers hidden with it), so those groups' counts, and only they,
    are also counted for every association: no medians, no lists, nothing else."""
    topics = tables.TOPICS_OF.get(slug)
    if topics is None:
        return None
    if request.membership.role == Role.COORDINATOR:
        if slug == "associations":  # national only
            return None
        own_id = request.membership.own_association.pk  # the `association` of her page
        ids = list(Association.objects.values_list("pk", flat=True))
        counts = collect(
            period, ids, national=True, topics=topics, plan=Plan(measures=False, lists=False)
        )
        own = collect(period, [own_id], topics=topics)
        source = tables.PublishedSource(Publication(counts), own_id, own=own)
        return build_tables(source, lists=own, only=slug).get(slug)
    names = _national_names()
    figures = collect(period, list(names), national=True, topics=topics)
    publication = Publication(figures)
    if association is not None:
        source = tables.PublishedSource(publication, association.pk)
        return build_tables(source, lists=None, only=slug).get(slug)
    if slug == "associations":
        return tables.associations(publication, names, query)
    return build_tables(tables.PublishedSource(publication, None), lists=figures, only=slug).get(
        slug
    )


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def statistics(request: RoleRequest) -> HttpResponse:
    association = _association(request)
    form = PeriodForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "association": association,
        "national": request.membership.role == Role.NATIONAL_ADMIN,
        "legend": tables.LEGEND,
        # What "<5" stands for, said to screen readers (suppression.SMALL_MAX).
        "hidden_below": SMALL_MAX + 1,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "reports/statistics.html", context)
    period, query = form.period, form.query()
    built = report(request, association, period, query)
    if "associations" in built:
        # A page of associations at a time, so that the page stays small with 400 of them;
        # the totals of all associations below every page; the CSV file has every row.
        overview = built["associations"]
        page = page_of(request, overview.rows[:-1], per_page=ASSOCIATIONS_PER_PAGE)
        context["associations_page"] = page
        built["associations"] = replace(overview, rows=[*page.object_list, overview.rows[-1]])
    forening = f"&forening={association.public_id}" if association and context["national"] else ""
    context.update(
        period=period,
        query=query,
        export_query=f"{query}{forening}",
        headline=charts.headline(built["outcomes"]),
        sections=[
            {
                "slug": slug,
                "title": title,
                "tables": [built[name] for name in names if name in built],
            }
            for slug, title, names in SECTIONS
            if any(name in built for name in names)
        ],
        charts={
            "outcomes": charts.outcomes(built["outcomes"]),
            "applications": charts.funnel(built["applications"]),
            "monthly": charts.monthly(built["monthly"]) if "monthly" in built else None,
        },
        published=context["national"],
    )
    return render(request, "reports/statistics.html", context)


def _csv_text(value: str) -> str:
    """A label as a spreadsheet will read it: never as a formula."""
    value = str(value)
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def statistics_csv(request: RoleRequest, table: str) -> HttpResponse:
    """One table as CSV: UTF-8 with a byte order mark and semicolons, as Excel in Norway
    expects; small counts suppressed."""
    association = _association(request)
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages = [f"{error}" for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest(
            _("Choose a valid period: %(errors)s") % {"errors": " ".join(messages)},
            content_type="text/plain; charset=utf-8",
        )
    period = form.period
    chosen = export(request, association, period, form.query(), table)
    if chosen is None or not chosen.exportable:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"statistikk-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_csv_text(column) for column in chosen.columns])
    for row in chosen.rows:
        writer.writerow([_csv_text(row.label), *[cell.csv() for cell in row.cells]])
    return response
