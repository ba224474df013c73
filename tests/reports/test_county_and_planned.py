"""Referrals per county where she will live, and matches ended planned or unplanned: counted in
the database, worked out by hand on the fixed data set (tests/reports/conftest.py), suppressed
as lists against their published totals, and in the annual report."""

from datetime import date

import pytest

from accounts.models import Association
from matching.models import Match, MatchStatus, Referral
from reports.figures import collect
from reports.publication import Publication
from reports.suppression import PRIMARY, SHOWN
from reports.tables import OwnSource, PublishedSource, by_county, ended_planned
from tests.factories import municipality
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


def _received(association) -> list[Referral]:
    return list(
        Referral.objects.filter(association=association, created_at__year=2025).order_by("pk")
    )


@pytest.fixture
def placed(dataset):
    """Oslo's seven referrals received in 2025: four in Oslo (0301, the data set's), two in
    Bærum (3201, Akershus), one in Trondheim (5001, Trøndelag). Bergen's twelve: all in Bergen (4601,
    Vestland), as the data set has them."""
    oslo = _received(dataset.oslo)
    assert len(oslo) == 7
    for referral in oslo[4:6]:
        referral.municipality = municipality("3201")
        referral.save()
    oslo[6].municipality = municipality("5001")
    oslo[6].save()
    assert len(_received(dataset.bergen)) == 12
    return dataset


def _rows(table) -> list[tuple[str, object, str]]:
    return [(str(row.label), row.cells[0].value, row.cells[0].state) for row in table.rows]


def test_referrals_per_county_counted_by_hand(placed):
    figures = collect(PERIOD, [placed.oslo.pk, placed.bergen.pk], national=True)
    # By name: Akershus 2, Oslo 4, Trøndelag 1, Vestland 12.
    assert figures.by_county == [("Akershus", 2), ("Oslo", 4), ("Trøndelag", 1), ("Vestland", 12)]
    own = collect(PERIOD, [placed.oslo.pk])
    table = by_county(OwnSource(own, placed.oslo.pk), own.by_county)
    assert _rows(table) == [
        ("Akershus", 2, SHOWN),
        ("Oslo", 4, SHOWN),
        ("Trøndelag", 1, SHOWN),
        ("Totalt", 7, SHOWN),
    ]


def test_referrals_per_county_published_hide_the_small_ones(placed):
    ids = list(Association.objects.values_list("pk", flat=True))
    figures = collect(PERIOD, ids, national=True)
    table = by_county(PublishedSource(Publication(figures), None), figures.by_county)
    cells = {label: (value, state) for label, value, state in _rows(table)}
    # 19 received, shown. Akershus 2, Oslo 4 and Trøndelag 1 are small: hidden. Vestland's 12
    # alone would give their sum (19 - 12 = 7) but not one of them: shown.
    assert cells["Totalt"] == (19, SHOWN)
    assert cells["Akershus"][1] == PRIMARY and cells["Oslo"][1] == PRIMARY
    assert cells["Trøndelag"][1] == PRIMARY
    assert cells["Vestland"] == (12, SHOWN)


def _ended_2025() -> list[Match]:
    return list(
        Match.objects.filter(
            status=MatchStatus.ENDED, ended_on__gte=date(2025, 1, 1), ended_on__lte=PERIOD.end
        ).order_by("pk")
    )


@pytest.fixture
def planned(dataset):
    """The fifteen matches ended in 2025 (Oslo 3, Bergen 12): nine planned, five unplanned,
    one not recorded."""
    ended = _ended_2025()
    assert len(ended) == 15
    for n, match in enumerate(ended):
        match.end_planned = True if n < 9 else (False if n < 14 else None)
        match.save()
    return dataset


def test_planned_or_unplanned_counted_by_hand(planned):
    ids = [planned.oslo.pk, planned.bergen.pk]
    figures = collect(PERIOD, ids, national=True)
    assert (figures.totals["ended_planned"], figures.totals["ended_unplanned"]) == (9, 5)
    table = ended_planned(OwnSource(figures, None))
    assert [cell.value for row in table.rows for cell in row.cells] == [9, 5, 1, 15]


def test_planned_or_unplanned_published_hides_the_small_ones(planned):
    ids = list(Association.objects.values_list("pk", flat=True))
    table = ended_planned(PublishedSource(Publication(collect(PERIOD, ids, national=True)), None))
    cells = {row.key or "total": row.cells[0] for row in table.rows}
    # 15 ended, shown; the one not recorded is small, and one more must go with it, or
    # 15 - 9 - 5 would give it away: the five unplanned (the smaller) goes too.
    assert (cells["total"].value, cells["total"].state) == (15, SHOWN)
    assert cells["not_recorded"].hidden
    assert sum(cells[key].hidden for key in ("planned", "unplanned")) == 1
