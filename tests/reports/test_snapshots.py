"""The statistics served from snapshots (reports/snapshots.py): the same tables as the live
computation, nothing stored that the view does not show (no hidden number, no free text), how
fresh the figures are said on the page, beat's refresh, and the queries of a page served from
a snapshot and of one computed.

Pages are read in English (the language cookie).
"""

import json
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Association
from matching.models import AgeBracket, Referral, ReferralStatus
from reports import report, snapshots, tasks
from reports.models import Snapshot
from reports.periods import Period, preset
from reports.suppression import PRIMARY, SECONDARY, SHOWN
from reports.tables import MISSING
from tests.conftest import login
from tests.factories import municipality
from tests.querycount import assert_constant_queries
from tests.reports.conftest import PERIOD, PERIOD_QUERY
from tests.reports.test_views import EXPORTABLE, read_csv, table

pytestmark = pytest.mark.django_db

URL = "/statistikk/"


@pytest.fixture
def always_computed(monkeypatch):
    """No snapshot is fresh enough to serve: every view computes its tables (and stores them)."""
    monkeypatch.setattr(snapshots, "max_age_minutes", lambda: 0)


def never(*args):
    raise AssertionError("computed, though a fresh snapshot was there to serve")


def shown(tables: dict) -> dict:
    """What a view shows of each table: its words, and each cell as the page and the CSV file
    write it, with its number when it is shown."""
    return {
        slug: (
            t.title,
            t.columns,
            t.exportable,
            t.withheld,
            t.note,
            t.months,
            [
                (
                    row.label,
                    row.href,
                    row.total,
                    row.indent,
                    [
                        (c.state, c.kind, c.text(), c.csv(), c.value if c.shown else None)
                        for c in row.cells
                    ],
                )
                for row in t.rows
            ],
        )
        for slug, t in tables.items()
    }


def whole(served) -> dict:
    """Every table of a served view, the paged ones with all their rows."""
    return {slug: served.table(slug) for slug in served.tables}


def text_of(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html)


# --- The same figures -----------------------------------------------------------------------


def test_every_view_served_from_its_snapshot_equals_the_live_computation(dataset, grow):
    grow(6)  # more associations, so that small numbers are suppressed together
    oslo = dataset.oslo.pk
    views = [
        (snapshots.NATIONAL, None, "", lambda: report.national(PERIOD, PERIOD_QUERY)),
        (snapshots.PUBLISHED, oslo, "", lambda: report.published(PERIOD, oslo)),
        (snapshots.OWN, oslo, "", lambda: report.own(PERIOD, oslo)),
        *[
            (
                snapshots.EXPORT,
                oslo,
                slug,
                lambda slug=slug: {slug: report.own_export(PERIOD, oslo, slug)},
            )
            for slug in EXPORTABLE
        ],
    ]
    with translation.override("en"):
        for kind, association_id, slug, compute in views:
            live = shown(compute())
            computed = snapshots.served(
                kind, association_id, PERIOD, PERIOD_QUERY, compute, table=slug
            )
            stored = snapshots.served(kind, association_id, PERIOD, PERIOD_QUERY, never, table=slug)
            assert stored.computed_at == computed.computed_at
            assert shown(whole(computed)) == live, (kind, slug)
            assert shown(whole(stored)) == live, (kind, slug)
    assert Snapshot.objects.count() == len(views)


def test_the_national_page_from_beats_snapshot_is_the_page_computed_now(
    english, dataset, grow, national_admin
):
    grow(30)  # two pages of associations
    login(english, national_admin)
    snapshots.refresh()
    query = "periode=last_year"
    served = english.get(f"{URL}?{query}&side=2")
    Snapshot.objects.all().delete()
    computed = english.get(f"{URL}?{query}&side=2")
    assert served.context["computed_at"] < computed.context["computed_at"]
    for response in (served, computed):
        assert len(table(response, "associations")) == 32 - 25 + 1
    assert [s["tables"] for s in served.context["sections"]] == [
        s["tables"] for s in computed.context["sections"]
    ]
    assert served.context["associations_page"].paginator.count == 32


# --- Nothing stored that the view does not show ---------------------------------------------


def test_a_snapshot_holds_no_hidden_number_and_no_free_text(
    english, dataset, grow, coordinator_oslo, national_admin
):
    grow(6)
    login(english, national_admin)
    english.get(f"{URL}?{PERIOD_QUERY}")
    english.get(f"{URL}?{PERIOD_QUERY}&forening={dataset.oslo.public_id}")
    login(english, coordinator_oslo)
    page = english.get(f"{URL}?{PERIOD_QUERY}")
    assert "HEMMELIG-GRUNN" in page.content.decode()  # shown to her: read anew, not stored
    for slug in EXPORTABLE:
        english.get(f"{reverse('statistics_csv', args=[slug])}?{PERIOD_QUERY}")
    snapshots_made = list(Snapshot.objects.all())
    assert len(snapshots_made) == 3 + len(EXPORTABLE)
    hidden = 0
    for snapshot in snapshots_made:
        stored = json.dumps([snapshot.tables, snapshot.pages], ensure_ascii=False)
        assert "HEMMELIG" not in stored and "Tromsø" not in stored
        assert "Amal" not in stored  # no alias
        rows = [row for t in snapshot.tables.values() for row in t["rows"]]
        rows += [row for pages in snapshot.pages.values() for page in pages for row in page]
        for _label, cells, *_rest in rows:
            for value, state, _kind in cells:
                assert state in (SHOWN, PRIMARY, SECONDARY, MISSING)
                if state != SHOWN:
                    assert value is None, snapshot.key
                    hidden += state in (PRIMARY, SECONDARY)
    assert hidden > 10  # there were numbers to hide


def test_the_withdrawal_reasons_beside_a_snapshot_are_those_counted_in_it(
    english, dataset, coordinator_oslo, oslo_shelter, settings
):
    """The reasons are read on every view (free text is never stored), up to the moment the
    figures beside them were counted: a referral withdrawn since is in neither."""
    login(english, coordinator_oslo)
    first = english.get(URL)  # this year so far: its snapshot is computed now
    withdrawn = table(first, "withdrawn")["In all"]
    Referral.objects.create(
        association=dataset.oslo,
        shelter=oslo_shelter,
        created_at=timezone.now(),
        alias="Hanna",
        age_bracket=AgeBracket.AGE_26_35,
        municipality=municipality("0301"),
        preferred_language="no",
        consent_on=timezone.localdate(),
        consent_recorded_by=coordinator_oslo,
        status=ReferralStatus.WITHDRAWN,
        closed_at=timezone.now(),
        withdrawn_reason="SEN-GRUNN flyttet",
    )
    served = english.get(URL)
    assert table(served, "withdrawn")["In all"] == withdrawn
    assert "SEN-GRUNN" not in served.content.decode()
    Snapshot.objects.update(computed_at=timezone.now() - snapshots.max_age())
    again = english.get(URL)
    assert table(again, "withdrawn")["In all"] == [str(int(withdrawn[0]) + 1)]
    assert "SEN-GRUNN flyttet" in again.content.decode()


# --- How fresh --------------------------------------------------------------------------------


def test_the_page_says_when_its_figures_were_computed_and_serves_them_while_fresh(
    english, dataset, national_admin
):
    login(english, national_admin)
    url = f"{URL}?{PERIOD_QUERY}"
    first = english.get(url)
    computed_at = first.context["computed_at"]
    at = timezone.localtime(computed_at).strftime("%H:%M")
    limit = 2 * settings.STATISTICS_REFRESH_MINUTES
    assert f"Figures as of {at}, never more than {limit} minutes old." in text_of(first)
    assert table(first, "outcomes")["Matches ended"] == ["15"]
    # A match ends: a fresh snapshot still shows the figures as they were, with their time.
    dataset.m3.status = "ended"
    dataset.m3.ended_on = date(2025, 12, 1)
    dataset.m3.outcome_moved_back = "no"
    dataset.m3.save()
    served = english.get(url)
    assert served.context["computed_at"] == computed_at
    assert table(served, "outcomes")["Matches ended"] == ["15"]
    # Once older than twice the refresh interval it is computed anew.
    Snapshot.objects.update(computed_at=computed_at - snapshots.max_age())
    fresh = english.get(url)
    assert fresh.context["computed_at"] > computed_at
    assert table(fresh, "outcomes")["Matches ended"] == ["16"]


def test_figures_computed_on_another_day_say_which(english, dataset, national_admin, settings):
    settings.STATISTICS_REFRESH_MINUTES = 24 * 60  # served for two days
    login(english, national_admin)
    url = f"{URL}?{PERIOD_QUERY}"
    english.get(url)
    yesterday = timezone.now() - timedelta(days=1)
    Snapshot.objects.update(computed_at=yesterday)
    response = english.get(url)
    local = timezone.localtime(yesterday)
    assert (
        f"Figures as of {local:%d.%m.%Y} at {local:%H:%M}, never more than 2880 minutes old."
        in text_of(response)
    )


def test_the_figures_are_said_in_norwegian_too(client, dataset, national_admin):
    login(client, national_admin)
    response = client.get(f"{URL}?{PERIOD_QUERY}")
    at = timezone.localtime(response.context["computed_at"]).strftime("%H:%M")
    assert f"Tallene er fra kl. {at} og er aldri mer enn 30 minutter gamle." in text_of(response)


# --- Beat's refresh -----------------------------------------------------------------------------


def test_beat_refreshes_the_national_statistics_of_the_preset_periods(dataset, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-refresh"]
    assert entry["task"] == tasks.refresh_statistics.name == "reports.refresh_statistics"
    assert entry["schedule"] == settings.STATISTICS_REFRESH_MINUTES * 60
    now = timezone.now()
    old = Snapshot.objects.create(
        key="own|1|2025-01-01|2025-12-31|x||nb", computed_at=now - snapshots.max_age(), tables={}
    )
    kept = Snapshot.objects.create(
        key="own|1|2025-01-01|2025-12-31|y||nb", computed_at=now - timedelta(minutes=1), tables={}
    )
    tasks.refresh_statistics.delay()  # run in the test's process (CELERY_TASK_ALWAYS_EAGER)
    assert not Snapshot.objects.filter(pk=old.pk).exists()
    assert Snapshot.objects.filter(pk=kept.pk).exists()
    refreshed = Snapshot.objects.exclude(pk=kept.pk)
    expected = set()
    for name in snapshots.PRESETS:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                expected.add(
                    snapshots.key(snapshots.NATIONAL, None, preset(name), f"periode={name}")
                )
    assert set(refreshed.values_list("key", flat=True)) == expected
    assert all(s.computed_at >= now for s in refreshed)
    # Each holds the national page in its language, every association in its table.
    with translation.override("nb"):
        nb = snapshots.served(
            snapshots.NATIONAL, None, preset("last_year"), "periode=last_year", never
        )
    assert nb.tables["outcomes"].title.startswith("Flyttet kvinnen tilbake")
    assert nb.count("associations") == Association.objects.count()


def test_the_national_admin_finds_the_preset_periods_ready(english, dataset, national_admin):
    """After beat's refresh the national page of each preset period is served, not counted:
    the same queries as any page served from a snapshot."""
    snapshots.refresh()
    login(english, national_admin)
    for name in snapshots.PRESETS:
        with CaptureQueriesContext(connection) as captured:
            response = english.get(f"{URL}?periode={name}")
        assert response.status_code == 200
        assert not any("percentile" in q["sql"].lower() for q in captured.captured_queries)
        assert len(captured) == SERVED_NATIONAL_PAGE


# --- Queries ------------------------------------------------------------------------------------

# A page served from its snapshot: 2 for the session and the person, 1 for the snapshot (the
# national page's with its page of associations), 1 for the notification bell, and what the
# page adds: one association's page the association, a coordinator's page her withdrawal
# reasons (read anew). A CSV file: 2 and the snapshot (the table of each association with every
# page of its rows).
SERVED_NATIONAL_PAGE = 4
SERVED_PAGE = 5
SERVED_CSV = 3


def test_pages_served_from_snapshots_make_a_fixed_number_of_queries(
    english, dataset, coordinator_oslo, national_admin, grow
):
    login(english, national_admin)
    url = f"{URL}?{PERIOD_QUERY}"
    assert assert_constant_queries(english, url, grow) == SERVED_NATIONAL_PAGE
    # Another page of associations than the one asked for (out of range: the last), read apart.
    assert assert_constant_queries(english, f"{url}&side=99", grow) == SERVED_NATIONAL_PAGE + 1
    one = f"{URL}?{PERIOD_QUERY}&forening={dataset.oslo.public_id}"
    assert assert_constant_queries(english, one, grow) == SERVED_PAGE
    csv_url = f"{reverse('statistics_csv', args=['associations'])}?{PERIOD_QUERY}"
    assert assert_constant_queries(english, csv_url, grow) == SERVED_CSV
    csv_url = f"{reverse('statistics_csv', args=['outcomes'])}?{PERIOD_QUERY}"
    assert assert_constant_queries(english, csv_url, grow) == SERVED_CSV
    login(english, coordinator_oslo)
    assert assert_constant_queries(english, url, grow) == SERVED_PAGE
    csv_url = f"{reverse('statistics_csv', args=['monthly'])}?{PERIOD_QUERY}"
    assert assert_constant_queries(english, csv_url, grow) == SERVED_CSV


def test_pages_computed_anew_make_a_fixed_number_of_queries(
    english, dataset, coordinator_oslo, national_admin, grow, always_computed
):
    """With no snapshot to serve, each view counts its figures in a fixed number of queries
    whatever the number of associations, and stores them (one more)."""
    login(english, national_admin)
    for url in (
        f"{URL}?{PERIOD_QUERY}",
        f"{URL}?{PERIOD_QUERY}&forening={dataset.oslo.public_id}&side=2",
        f"{reverse('statistics_csv', args=['associations'])}?{PERIOD_QUERY}",
    ):
        english.get(url)
        with CaptureQueriesContext(connection) as captured:
            english.get(url)
        assert any(q["sql"].startswith("INSERT") for q in captured.captured_queries), url
        assert_constant_queries(english, url, grow)
    login(english, coordinator_oslo)
    for url in (
        f"{URL}?{PERIOD_QUERY}",
        f"{reverse('statistics_csv', args=['monthly'])}?{PERIOD_QUERY}",
    ):
        assert_constant_queries(english, url, grow)


def test_a_snapshot_of_dates_chosen_is_kept_apart_from_a_preset_of_the_same_dates(
    english, dataset, national_admin
):
    """The query string is part of a snapshot's name (the table of each association links
    with it), and so is the language of its words."""
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    with translation.override("en"):
        english_key = snapshots.key(snapshots.NATIONAL, None, period, PERIOD_QUERY)
        other = snapshots.key(snapshots.NATIONAL, None, period, "periode=last_year")
    with translation.override("nb"):
        norwegian_key = snapshots.key(snapshots.NATIONAL, None, period, PERIOD_QUERY)
    assert len({english_key, other, norwegian_key}) == 3
    login(english, national_admin)
    rows = read_csv(
        english.get(f"{reverse('statistics_csv', args=['associations'])}?{PERIOD_QUERY}")
    )
    assert rows[-1][0] == "All associations"
    assert Snapshot.objects.get().key == english_key
