"""The statistics page and its CSV exports.

A coordinator sees her association's figures as they are. A national admin sees all
associations together and each one, as published: small counts suppressed. Every CSV file is
published (it leaves the system), so a coordinator's export carries the same suppression as the
national view of her association.
"""

from __future__ import annotations

import csv
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Association, Role
from reports import charts, tables
from reports.figures import Figures, collect
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
    source, *, lists: Figures | None, reasons: list | None = None
) -> dict[str, tables.Table]:
    """Every table of the page. `lists`: the figures to take the per-month and per-shelter
    lists from (None: leave those tables out); `reasons`: free-text withdrawal reasons."""
    built = [
        tables.outcomes(source),
        tables.applications(source),
        tables.approvals(source),
        tables.pipeline(source),
        tables.commitments(source),
        tables.courses(source),
        tables.referrals(source),
        tables.waiting_times(source),
        tables.withdrawn(source),
        tables.cancelled(source),
        tables.matches(source),
        tables.concerns(source),
    ]
    if lists is not None:
        built += [
            tables.by_shelter(source, lists.by_shelter),
            tables.end_reasons(source),
            tables.monthly(source, lists),
        ]
    if reasons is not None:
        built.append(tables.withdrawal_reasons(reasons))
    return {table.slug: table for table in built}


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
    """The tables the person may see for `association` (None: all) in `period`."""
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
    request: RoleRequest, association: Association | None, period: Period, query: str
) -> dict[str, tables.Table]:
    """The tables as they may leave the system: a coordinator's as the national view of her
    association shows them, with her own lists per month and shelter suppressed against it."""
    if request.membership.role != Role.COORDINATOR:
        return report(request, association, period, query)
    publication = Publication(collect(period, list(_national_names()), national=True))
    association_id = request.membership.own_association.pk  # the `association` of her page
    own = collect(period, [association_id])
    return build_tables(tables.PublishedSource(publication, association_id), lists=own)


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
    chosen = export(request, association, period, form.query()).get(table)
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
