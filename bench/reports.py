"""Benchmark of the statistics: the national page on a national-scale data set.

Run with `.venv/bin/python -m bench.reports` (not part of `make test`). It drops, creates,
migrates and fills its own PostgreSQL database (BENCH_REPORTS_DATABASE_URL, by default
ressursvenner_bench_reports on 127.0.0.1; the name must contain "bench"), then requests the
pages through Django's test client as a logged-in national admin and coordinator, and measures
server time (time.perf_counter around the request: middleware, queries, suppression, template)
over several repetitions, with the number of queries. Each page twice: computed (no snapshot of
its figures, as the first view of a period; every snapshot is deleted before each request,
untimed) and served (from the snapshot its first view stored, as every later view and the
preset periods beat keeps fresh; reports/snapshots.py). Writes bench/results/reports.md.

Target (from the issue): with 400 associations, 20,000 volunteers, 10,000 referrals and
300,000 meetings, the national statistics page renders in under 1 s of server time. And from
the national-scale issue: at most 15 queries and 100 KB of HTML a page, and a coordinator's
CSV export computed for her association (the "KB" column is the size of the response).

The annual report (reports/annual.py, issue 19: "at national scale the report builds in under
60 s"): `annual.build()` of a fresh AnnualReport row, the national report of last year and of
this year so far and the largest association's of last year, on the same data, with the
queries, the PDF's and the workbook's size and the PDF's pages, and where the time goes.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "reports.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressursvenner_bench_reports"
TARGET_MS = 1000
ANNUAL_TARGET_MS = 60_000
ANNUAL_RUNS = 3


def prepare_database(url: str) -> None:
    """Drop and create the benchmark database. Refuses any database not named *bench*."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def measure(
    call: Callable[[], object],
    *,
    repeat: int,
    warmup: int = 1,
    before: Callable[[], object] | None = None,
) -> dict:
    """Median and max milliseconds of `repeat` calls after `warmup`, the query count, and the
    size of the response in bytes (when the call returns one). `before`: run before each call,
    neither timed nor counted."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    def prepare() -> None:
        if before is not None:
            before()

    for _ in range(warmup):
        prepare()
        call()
    prepare()
    # A request empties the query log when it starts (request_started): start from empty.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    times = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "median": statistics.median(times),
        "max": max(times),
        "queries": len(queries),
        "repeat": repeat,
        "bytes": len(getattr(result, "content", b"")),
    }


def logged_in_client(user):
    """A test client logged in as `user`, both steps passed (as tests/conftest.py does)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    TOTP.activate(user, generate_totp_secret())
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def machine() -> str:
    return describe()


def main() -> None:
    url = os.environ.get("BENCH_REPORTS_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    prepare_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.fill_reports import fill
    from reports.figures import collect
    from reports.models import Snapshot
    from reports.periods import preset
    from reports.publication import Publication
    from reports.report import association_names, build_tables
    from reports.tables import PublishedSource

    print(f"Database {urlsplit(url).path.lstrip('/')}: migrating…", flush=True)
    call_command("migrate", verbosity=0)
    print("Filling…", flush=True)
    t = time.perf_counter()
    filled = fill()
    fill_seconds = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have; not timed
    print(f"  {filled.counts} in {fill_seconds:.1f} s", flush=True)

    admin = logged_in_client(filled.admin)
    coordinator = logged_in_client(filled.coordinator)
    small_coordinator = logged_in_client(filled.small_coordinator)
    largest = filled.largest

    def get(client, path: str):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return call

    cases = [
        (
            "National page: all associations, the last 12 months",
            admin,
            "/statistikk/?periode=last_12_months",
            TARGET_MS,
        ),
        (
            "National page: all associations, last year",
            admin,
            "/statistikk/?periode=last_year",
            TARGET_MS,
        ),
        (
            "National page: all associations, this year so far",
            admin,
            "/statistikk/?periode=this_year",
            TARGET_MS,
        ),
        (
            "National page: all associations, three years (custom)",
            admin,
            "/statistikk/?periode=custom&fra={three_years}&til={today}",
            TARGET_MS,
        ),
        (
            "National page: all associations, the last 12 months, 8th page of associations",
            admin,
            "/statistikk/?periode=last_12_months&side=8",
            TARGET_MS,
        ),
        (
            "National page: one association (the largest), the last 12 months",
            admin,
            f"/statistikk/?periode=last_12_months&forening={largest.public_id}",
            TARGET_MS,
        ),
        (
            "Coordinator page: the largest association, the last 12 months",
            coordinator,
            "/statistikk/?periode=last_12_months",
            None,
        ),
        (
            "Coordinator page: the smallest association, the last 12 months",
            small_coordinator,
            "/statistikk/?periode=last_12_months",
            None,
        ),
        (
            "CSV: each association (national)",
            admin,
            "/statistikk/eksport/associations.csv?periode=last_12_months",
            None,
        ),
        (
            "CSV: a coordinator's monthly export, the largest association",
            coordinator,
            "/statistikk/eksport/monthly.csv?periode=last_12_months",
            None,
        ),
        (
            "CSV: a coordinator's monthly export, the smallest association",
            small_coordinator,
            "/statistikk/eksport/monthly.csv?periode=last_12_months",
            None,
        ),
        (
            "CSV: a coordinator's matches export, the smallest association",
            small_coordinator,
            "/statistikk/eksport/matches.csv?periode=last_12_months",
            None,
        ),
        ("National admin's start page (with this year's headline)", admin, "/", None),
    ]
    from datetime import timedelta

    from django.utils import timezone

    def forget() -> None:
        Snapshot.objects.all().delete()

    today = timezone.localdate()
    rows = []
    for name, client, path, target in cases:
        path = path.format(
            three_years=(today - timedelta(days=3 * 365)).isoformat(), today=today.isoformat()
        )
        print(f"{name}…", flush=True)
        computed = measure(get(client, path), repeat=7, before=forget)
        rows.append((name, computed, measure(get(client, path), repeat=7), target))

    # Where the national page's time goes (last 12 months).
    period = preset("last_12_months")
    names = association_names()
    figures = collect(period, list(names), national=True)
    publication = Publication(figures)
    steps = [
        (
            "figures: the aggregate queries",
            lambda: collect(period, list(names), national=True),
        ),
        ("suppression: every table over all associations", lambda: Publication(figures)),
        (
            "tables: building them from the publication",
            lambda: build_tables(PublishedSource(publication, None), lists=figures),
        ),
    ]
    breakdown = [(step, measure(call, repeat=7)) for step, call in steps]
    hidden = sum(
        state != "shown"
        for table in publication.tables.values()
        for row in table.state
        for state in row
    )
    cells = sum(len(row) for table in publication.tables.values() for row in table.state)
    secondary = sum(
        state == "secondary"
        for table in publication.tables.values()
        for row in table.state
        for state in row
    )

    annual_rows = measure_annual(filled)

    report = render(
        rows,
        breakdown,
        filled.counts,
        fill_seconds,
        {"cells": cells, "hidden": hidden, "secondary": secondary},
        machine(),
        time.perf_counter() - started,
        annual_rows,
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print()
    print(report)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    for name, figures_measured, _served, target in rows:
        if target and figures_measured["median"] > target:
            print(f"TARGET MISSED: {name}")
    for name, m, _steps in annual_rows:
        if m["target"] and m["median"] > m["target"]:
            print(f"TARGET MISSED: {name}")


PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def measure_annual(filled) -> list[tuple[str, dict, list[tuple[str, dict]]]]:
    """The annual report's build (reports.annual.build) for each case: a fresh AnnualReport row
    for each run (created before it, untimed), its status checked DONE after it (a failed build
    must not look fast), and the time of each of its steps apart."""
    from django.utils import timezone

    from reports import annual
    from reports.models import AnnualReport, AnnualStatus

    this_year = timezone.localdate().year
    cases = [
        ("Annual report: national, last year", this_year - 1, None, ANNUAL_TARGET_MS),
        ("Annual report: national, this year so far", this_year, None, ANNUAL_TARGET_MS),
        ("Annual report: the largest association, last year", this_year - 1, filled.largest, None),
    ]
    results = []
    for name, year, association, target in cases:
        print(f"{name}…", flush=True)
        made: list[AnnualReport] = []

        def finished(made=made) -> AnnualReport:
            report = AnnualReport.objects.get(pk=made[-1].pk)
            assert report.status == AnnualStatus.DONE, (report.pk, report.status)
            return report

        def fresh(made=made, year=year, association=association) -> None:
            if made:
                finished()  # DONE, so no longer unfinished: the constraint lets the next in
            made.append(
                AnnualReport.objects.create(
                    year=year, association=association, requested_by=filled.admin
                )
            )

        m = measure(
            lambda made=made: annual.build(made[-1].pk), repeat=ANNUAL_RUNS, warmup=0, before=fresh
        )
        last = finished()
        m["pdf_kb"] = len(bytes(last.pdf)) / 1024
        m["xlsx_kb"] = len(bytes(last.xlsx)) / 1024
        m["pages"] = len(PAGE.findall(bytes(last.pdf)))
        m["target"] = target
        AnnualReport.objects.filter(pk__in=[r.pk for r in made]).delete()

        split, m["rows"] = annual_steps(year, association)
        results.append((name, m, split))
    return results


def annual_steps(year: int, association) -> tuple[list[tuple[str, dict]], dict[str, int]]:
    """The steps of annual._build, each timed alone: the figures of both years, the workbook,
    the PDF; and the number of rows of each of the report's tables."""
    from django.conf import settings
    from django.utils import timezone, translation

    from reports import annual, summary
    from reports.periods import Period

    with translation.override(settings.LANGUAGE_CODE):
        period = annual.year_period(year)
        before_period = Period(date(year - 1, 1, 1), date(year - 1, 12, 31))
        built = annual.figures(period, association)
        before = annual.figures(before_period, association)
        empty = not annual.has_data(built)
        sentences = summary.sentences(built, period)
        chosen = {s: annual.beside(t, before.get(s), year) for s, t in built.items()}
        title = annual.title_of(year, association)
        now = timezone.now()
        steps = [
            (
                "figures: both years",
                lambda: (
                    annual.figures(period, association),
                    annual.figures(before_period, association),
                ),
            ),
            (
                "workbook",
                lambda: annual.build_workbook(
                    [] if empty else list(chosen.values()),
                    title=title,
                    period=period,
                    computed_at=now,
                    empty=empty,
                ),
            ),
            (
                "PDF",
                lambda: annual.build_pdf(
                    chosen, title=title, period=period, empty=empty, sentences=sentences
                ),
            ),
        ]
        split = [(step, measure(call, repeat=ANNUAL_RUNS, warmup=0)) for step, call in steps]
    return split, {slug: len(table.rows) for slug, table in chosen.items()}


def render(
    rows, breakdown, counts, fill_seconds, suppression, machine_text, seconds, annual_rows
) -> str:
    data = ", ".join(f"{value:,} {name}" for name, value in counts.items())
    lines = [
        "# Statistics benchmark: latest results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `.venv/bin/python -m bench.reports` "
        f"({seconds:.0f} s in all, {fill_seconds:.0f} s of it filling) on {machine_text}.",
        "",
        f"Data (bench/fill_reports.py, seeded, over three years): {data}.",
        "",
        "Server time of the request through Django's test client (middleware, queries, "
        "suppression, template), time.perf_counter, in milliseconds; queries counted with "
        "CaptureQueriesContext (including 2 for the session and the person and, on a page, 1 "
        "for the notification bell). *Computed*: no snapshot of the figures (each deleted "
        "before the request, untimed), as the first view of a period, the figures counted and "
        "stored; *served*: from the snapshot the first view stored, as every later view and "
        "the preset periods beat keeps fresh (reports/snapshots.py). The target is the "
        "computed page's.",
        "",
        "| case | queries computed | queries served | KB | median ms computed | max ms computed "
        "| median ms served | max ms served | runs | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, m, s, target in rows:
        met = "–" if not target else ("yes" if m["median"] < target else "**no**")
        target_text = f"< {target:,} ms" if target else "–"
        lines.append(
            f"| {name} | {m['queries']} | {s['queries']} | {m['bytes'] / 1024:.1f} "
            f"| {m['median']:.1f} | {m['max']:.1f} | {s['median']:.1f} | {s['max']:.1f} "
            f"| {m['repeat']} | {target_text} | {met} |"
        )
    lines += [
        "",
        "Where the national page's time goes (all associations, the last 12 months; median of "
        "7 runs):",
        "",
        "| step | queries | median ms |",
        "| --- | ---: | ---: |",
    ]
    for step, m in breakdown:
        lines.append(f"| {step} | {m['queries']} | {m['median']:.1f} |")
    lines += [
        "",
        f"Suppression over the 400 associations: {suppression['hidden']:,} of "
        f"{suppression['cells']:,} cells hidden, {suppression['secondary']:,} of them as "
        "secondary (to protect a small count).",
        "",
        "## Annual report",
        "",
        "`reports.annual.build()` (as the task reports.build_annual_report calls it) of a fresh "
        "AnnualReport row each run (created before it, untimed; its status checked *done* after "
        "it): the tables of the year and of the year before, the workbook and the PDF "
        "(reportlab), stored in the row. Wall time, time.perf_counter, in milliseconds, over "
        f"{ANNUAL_RUNS} runs after a first (the one whose queries are counted). Target (issue 19): "
        f"the national report in under {ANNUAL_TARGET_MS // 1000} s.",
        "",
        "| case | queries | PDF KB | PDF pages | workbook KB | median ms | max ms | runs "
        "| target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, m, _split in annual_rows:
        target = m["target"]
        met = "–" if not target else ("yes" if m["median"] < target else "**no**")
        target_text = f"< {target:,} ms" if target else "–"
        lines.append(
            f"| {name} | {m['queries']} | {m['pdf_kb']:.1f} | {m['pages']} | {m['xlsx_kb']:.1f} "
            f"| {m['median']:.1f} | {m['max']:.1f} | {m['repeat']} | {target_text} | {met} |"
        )
    lines += [
        "",
        "Where the annual report's time goes (each step of the build timed alone, median of "
        f"{ANNUAL_RUNS} runs; the rest of a build is its summary, the tables side by side and "
        "saving the row):",
        "",
        "| case | figures: both years (queries) | figures ms | workbook ms | PDF ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, _m, split in annual_rows:
        steps = dict(split)
        lines.append(
            f"| {name} | {steps['figures: both years']['queries']} "
            f"| {steps['figures: both years']['median']:.1f} "
            f"| {steps['workbook']['median']:.1f} | {steps['PDF']['median']:.1f} |"
        )
    national = annual_rows[0][1]["rows"]
    lines += [
        "",
        f"The national report's tables: {len(national)}, {sum(national.values()):,} rows "
        f"({national.get('associations', 0)} in the table of each association).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
