"""The statistics page and its CSV exports.

A coordinator sees her association's figures as they are. A national admin sees all
associations together and each one, as published: small counts suppressed. Every CSV file is
published (it leaves the system), so a coordinator's export carries the same suppression as the
national view of her association.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Association, Role
from common.pagination import PAGE_PARAMETER, page_of
from reports import annual, charts, snapshots, summary, tables
from reports import report as compute
from reports.periods import Period, PeriodForm
from reports.snapshots import Served
from reports.suppression import SMALL_MAX
from reports.workbook import workbook


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


def report(
    request: RoleRequest,
    association: Association | None,
    period: Period,
    query: str,
    *,
    page: int | None = None,
    every_page: bool = False,
) -> Served:
    """The tables the person may see for `association` (None: all) in `period`, from their
    snapshot while it is fresh (reports/snapshots.py). A coordinator's are counted for her
    association alone, her withdrawal reasons read anew (never stored); the national ones over
    all associations, grouped by association (their small numbers are suppressed together).
    `page`: the page of the national table of each association the view shows, if it will;
    `every_page`: all of that table (its CSV file)."""
    if request.membership.role == Role.COORDINATOR:
        own_id = request.membership.own_association.pk  # the `association` of her page
        served = snapshots.served(
            snapshots.OWN, own_id, period, query, lambda: compute.own(period, own_id)
        )
        served.tables["withdrawal-reasons"] = compute.withdrawal_reasons(
            period, own_id, until=served.computed_at
        )
        return served
    if association is not None:
        association_id = association.pk
        return snapshots.served(
            snapshots.PUBLISHED,
            association_id,
            period,
            query,
            lambda: compute.published(period, association_id),
        )
    return snapshots.served(
        snapshots.NATIONAL,
        None,
        period,
        query,
        lambda: compute.national(period, query),
        page=None if page is None else ("associations", page),
        every_page=every_page,
    )


def export(
    request: RoleRequest, association: Association | None, period: Period, query: str, slug: str
) -> tables.Table | None:
    """One table as it may leave the system (None: no such table, or not for this person).

    A national admin's comes from the snapshot of the page it is on (the national page, or
    one association's). A coordinator's is computed from the topics it reads alone
    (compute.own_export) and kept as a snapshot of its own."""
    if slug not in tables.TOPICS_OF:
        return None
    if request.membership.role == Role.COORDINATOR:
        if slug == "associations":  # national only
            return None
        own_id = request.membership.own_association.pk  # the `association` of her page
        served = snapshots.served(
            snapshots.EXPORT,
            own_id,
            period,
            query,
            lambda: _only(slug, compute.own_export(period, own_id, slug)),
            table=slug,
        )
    else:
        served = report(request, association, period, query, every_page=slug == "associations")
    return served.table(slug)


# The snapshot of a coordinator's workbook (snapshots.EXPORT, named like a table).
WORKBOOK = "workbook"


def export_all(
    request: RoleRequest, association: Association | None, period: Period, query: str
) -> tuple[list[tables.Table], Served]:
    """Every table the person may export, in the page's order, as their CSV files have them
    (None of the free text that is not exported), and when they were counted.

    A national admin's are the tables of the page she is on, from its snapshot (the table of
    each association whole). A coordinator's are computed together (compute.own_workbook) and
    kept as a snapshot of their own."""
    if request.membership.role == Role.COORDINATOR:
        own_id = request.membership.own_association.pk  # the `association` of her page
        served = snapshots.served(
            snapshots.EXPORT,
            own_id,
            period,
            query,
            lambda: compute.own_workbook(period, own_id),
            table=WORKBOOK,
        )
    else:
        served = report(request, association, period, query, every_page=True)
    chosen = []
    for _slug, _title, names in tables.SECTIONS:
        for name in names:
            found = served.table(name) if name in served.tables else None
            if found is not None and found.exportable:
                chosen.append(found)
    return chosen, served


def _only(slug: str, table: tables.Table | None) -> dict[str, tables.Table]:
    return {} if table is None else {slug: table}


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
    served = report(request, association, period, query, page=_page_asked(request))
    built = served.tables
    if "associations" in built:
        # A page of associations at a time, so that the page stays small with 400 of them
        # (the snapshot is read a page at a time too); the totals of all associations below
        # every page; the CSV file has every row.
        overview = built["associations"]
        count = served.count("associations")
        page = page_of(request, range(count), per_page=tables.ASSOCIATIONS_PER_PAGE)
        context["associations_page"] = page
        rows = served.page("associations", page.number) if count else []
        built["associations"] = replace(overview, rows=[*rows, *overview.rows])
    forening = f"&forening={association.public_id}" if association and context["national"] else ""
    context.update(
        period=period,
        query=query,
        export_query=f"{query}{forening}",
        headline=charts.headline(built["outcomes"]),
        summary=summary.sentences(built, period),
        sections=[
            {
                "slug": slug,
                "title": title,
                "tables": [built[name] for name in names if name in built],
            }
            for slug, title, names in tables.SECTIONS
            if any(name in built for name in names)
        ],
        charts={
            "outcomes": charts.outcomes(built["outcomes"]),
            "applications": charts.funnel(built["applications"]),
            "monthly": charts.monthly(built["monthly"]) if "monthly" in built else None,
        },
        published=context["national"],
        computed_at=served.computed_at,
        computed_today=timezone.localdate(served.computed_at) == timezone.localdate(),
        max_age_minutes=snapshots.max_age_minutes(),
    )
    return render(request, "reports/statistics.html", context)


def _page_asked(request: RoleRequest) -> int:
    """The page of the table of each association the query string asks for (read with the
    snapshot; page_of decides which page is shown, and one out of range is read apart)."""
    try:
        return int(request.GET.get(PAGE_PARAMETER, 1))
    except ValueError:
        return 1


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
        return _wrong_period(form)
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


def _wrong_period(form: PeriodForm) -> HttpResponse:
    said = [f"{error}" for errors in form.errors.values() for error in errors]
    return HttpResponseBadRequest(
        _("Choose a valid period: %(errors)s") % {"errors": " ".join(said)},
        content_type="text/plain; charset=utf-8",
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def statistics_xlsx(request: RoleRequest) -> HttpResponse:
    """Every table the person may export as one workbook, a sheet per table, each as its CSV
    file has it (the same suppression, the same scope: a coordinator's association, or the
    national page a national admin is on); in the person's language."""
    association = _association(request)
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _wrong_period(form)
    period = form.period
    chosen, served = export_all(request, association, period, form.query())
    if association is not None:
        title = _("Statistics: %(association)s") % {"association": association.name}
    else:
        title = _("Statistics: all associations")
    content = workbook(chosen, title=title, period=period, computed_at=served.computed_at)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"statistikk-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The annual report ----------------------------------------------------------------------


class AnnualReportForm(forms.Form):
    """The year of the report (and for a national admin the association: empty is the whole
    country)."""

    year = forms.IntegerField(label=gettext_lazy("Year"))
    forening = forms.ModelChoiceField(
        label=gettext_lazy("Association"),
        queryset=Association.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=gettext_lazy("The whole country"),
    )

    def __init__(self, *args, national: bool, user, **kwargs):
        super().__init__(*args, **kwargs)
        if national:
            chosen = self.fields["forening"]
            assert isinstance(chosen, forms.ModelChoiceField)
            chosen.queryset = Association.objects.for_user(user).order_by("name")
        else:
            del self.fields["forening"]

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if (refusal := annual.year_refusal(year)) is not None:
            raise forms.ValidationError(refusal)
        return year


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
def annual_reports(request: RoleRequest) -> HttpResponse:
    """The annual reports: a form asking for one, the reports made, their progress (the page
    refreshes itself while one is being built) and their downloads."""
    membership = request.membership
    national = membership.role == Role.NATIONAL_ADMIN
    initial = {"year": timezone.localdate().year - 1}
    form = AnnualReportForm(
        request.POST or None, national=national, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        association = form.cleaned_data.get("forening") if national else membership.own_association
        made = annual.request_report(form.cleaned_data["year"], association, request.user)
        messages.success(
            request,
            _("%(title)s is on its way. You can download it below when it is done.")
            % {"title": annual.title_of(made.year, made.association)},
        )
        return redirect("annual_reports")
    reports = list(annual.reports_for(membership)[:ANNUAL_REPORTS_SHOWN])
    status = 400 if form.is_bound else 200
    return render(
        request,
        "reports/annual.html",
        {
            "form": form,
            "national": national,
            "reports": reports,
            "building": any(report.unfinished for report in reports),
            "refresh_seconds": ANNUAL_REFRESH_SECONDS,
        },
        status=status,
    )


ANNUAL_REPORTS_SHOWN = 50
ANNUAL_REFRESH_SECONDS = 3
ANNUAL_FORMATS = {"pdf": "application/pdf", "xlsx": XLSX}


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def annual_report_download(request: RoleRequest, pk: int, kind: str) -> FileResponse:
    """A finished report's PDF or workbook, streamed to a person who may see it (else 404)."""
    if kind not in ANNUAL_FORMATS:
        raise Http404
    report = get_object_or_404(annual.reports_for(request.membership), pk=pk, status="done")
    stored = bytes(report.pdf if kind == "pdf" else report.xlsx)
    if not stored:
        raise Http404
    return FileResponse(
        io.BytesIO(stored),
        as_attachment=True,
        filename=f"arsrapport-{report.year}.{kind}",
        content_type=ANNUAL_FORMATS[kind],
    )
