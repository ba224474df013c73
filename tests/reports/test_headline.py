"""The headline in words: never a hidden figure put into a sentence as a puzzle, and the national
start page's words for its period ("this year so far") as its heading has them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Match, MatchStatus, YesNoUnknown
from reports import snapshots
from reports.charts import headline_sentences
from reports.headline import national_headline
from reports.models import Snapshot
from reports.suppression import PRIMARY, SECONDARY
from reports.tables import Cell
from tests.conftest import login
from tests.matching.conftest import make_referral, make_volunteer  # noqa: F401 (fixtures)

SMALL = Cell(3, PRIMARY)
HIDDEN = Cell(9, SECONDARY)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("cells", "this_year", "expected"),
    [
        (
            {"no": Cell(0), "yes": Cell(0), "unknown": Cell(0), "ended": Cell(0)},
            True,
            ["No matches have ended so far this year."],
        ),
        (
            {"no": Cell(0), "yes": Cell(0), "unknown": Cell(0), "ended": Cell(0)},
            False,
            ["No matches ended in the period."],
        ),
        (
            {"no": SMALL, "yes": Cell(0), "unknown": Cell(0), "ended": SMALL},
            True,
            ["Fewer than 5 matches have ended so far this year – too few to show figures."],
        ),
        (
            {"no": SMALL, "yes": SMALL, "unknown": Cell(0), "ended": SMALL},
            False,
            ["Fewer than 5 matches ended in the period – too few to show figures."],
        ),
        (
            {"no": HIDDEN, "yes": SMALL, "unknown": HIDDEN, "ended": HIDDEN},
            True,
            [
                "How many matches have ended so far this year is hidden, so that small numbers "
                "cannot be worked out."
            ],
        ),
        (
            {"no": Cell(11), "yes": SMALL, "unknown": SMALL, "ended": Cell(15)},
            True,
            [
                "11 of the 15 women whose match ended so far this year did not move back to the "
                "abuser.",
                "<5 moved back, and for <5 it is not known.",
            ],
        ),
        (
            {"no": Cell(1), "yes": Cell(0), "unknown": Cell(0), "ended": Cell(1)},
            True,
            [
                "The one woman whose match has ended so far this year has not moved back to the abuser."
            ],
        ),
        (
            {"no": Cell(0), "yes": Cell(1), "unknown": Cell(0), "ended": Cell(1)},
            False,
            ["1 match ended in the period.", "1 moved back, and for 0 it is not known."],
        ),
        (
            {"no": HIDDEN, "yes": SMALL, "unknown": Cell(0), "ended": Cell(12)},
            True,
            [
                "12 matches have ended so far this year.",
                "<5 moved back, and for 0 it is not known.",
            ],
        ),
        (
            {"no": Cell(10), "yes": SMALL, "unknown": HIDDEN, "ended": Cell(22)},
            False,
            [
                "10 of the 22 women whose match ended in the period did not move back to the "
                "abuser.",
                "How many moved back, and for how many it is not known, is hidden so that small "
                "numbers cannot be worked out.",
            ],
        ),
    ],
)
def test_the_headline_reads_well_whatever_is_hidden(cells, this_year, expected):
    sentences = headline_sentences(**cells, this_year=this_year)
    assert sentences == expected
    assert not any(":" in sentence for sentence in sentences)


@pytest.fixture
def ended_this_year(make_referral, make_volunteer):
    def make(association, moved_back: str, count: int) -> None:
        today = timezone.localdate()
        for _n in range(count):
            Match.objects.create(
                referral=make_referral(association),
                volunteer=make_volunteer(association),
                status=MatchStatus.ENDED,
                started_on=today,
                ended_on=today,
                outcome_moved_back=moved_back,
            )

    return make


@pytest.mark.django_db
def test_the_national_start_page_says_plainly_when_too_few_ended_this_year(
    client, oslo, bergen, national_admin, ended_this_year
):
    ended_this_year(oslo, YesNoUnknown.NO, 2)
    ended_this_year(bergen, YesNoUnknown.YES, 1)
    client.cookies["rv_language"] = "en"
    login(client, national_admin)
    html = client.get(reverse("home")).content.decode()
    assert "This year so far, all associations" in html
    assert "Fewer than 5 matches have ended so far this year – too few to show figures." in html
    assert "&lt;5" not in html


@pytest.mark.django_db
def test_the_national_headline_gives_the_figures_when_enough_ended_this_year(
    oslo, bergen, ended_this_year
):
    ended_this_year(oslo, YesNoUnknown.NO, 6)
    ended_this_year(bergen, YesNoUnknown.NO, 5)
    assert national_headline() == [
        "11 of the 11 women whose match ended so far this year did not move back to the abuser.",
        "0 moved back, and for 0 it is not known.",
    ]


@pytest.mark.django_db
def test_the_national_headline_keeps_the_suppression_of_the_statistics(
    oslo, bergen, ended_this_year
):
    """Two who moved back are a small number: never shown, nor left to be worked out."""
    ended_this_year(oslo, YesNoUnknown.NO, 8)
    ended_this_year(bergen, YesNoUnknown.NO, 5)
    ended_this_year(bergen, YesNoUnknown.YES, 2)
    # The statistics hide the grand total here (with it, Bergen's two could be worked out).
    assert national_headline() == [
        "How many matches have ended so far this year is hidden, so that small numbers cannot "
        "be worked out."
    ]


@pytest.mark.django_db
def test_the_headline_is_the_statistics_pages_as_last_computed(oslo, bergen, ended_this_year):
    """With a fresh snapshot of this year's national statistics (beat's refresh), the start
    page takes its cells from it (one query), the same as that page shows; without one, they
    are counted now."""
    ended_this_year(oslo, YesNoUnknown.NO, 6)
    ended_this_year(bergen, YesNoUnknown.NO, 5)
    with CaptureQueriesContext(connection) as counted:
        live = national_headline()
    assert live[0].startswith("11 of the 11 women")
    snapshots.refresh()
    ended_this_year(bergen, YesNoUnknown.NO, 5)  # after the refresh
    with CaptureQueriesContext(connection) as served:
        assert national_headline() == live
    assert (len(served), len(counted)) == (1, 3)
    Snapshot.objects.update(computed_at=timezone.now() - snapshots.max_age())
    assert national_headline()[0].startswith("16 of the 16 women")
