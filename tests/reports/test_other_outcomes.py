"""The other outcomes at closure (housing, work or study, network, help services), each with
"of which came during the match": counted in the database, worked out by hand on the fixed
data set (tests/reports/conftest.py), and suppressed when published."""

import pytest

from accounts.models import Association
from matching.models import Match, MatchStatus
from reports.figures import Plan, collect, match_parts
from reports.publication import Publication
from reports.queries import run
from reports.suppression import SECONDARY, SHOWN
from reports.tables import OwnSource, PublishedSource, other_outcomes
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


def _ended(association) -> list[Match]:
    return list(
        Match.objects.filter(referral__association=association, status=MatchStatus.ENDED).order_by(
            "pk"
        )
    )


@pytest.fixture
def recorded(dataset):
    """Bergen's twelve ended matches: housing yes for seven (five of them during the match),
    no for five; work or study yes for all twelve (ten during); a network of her own yes for
    all twelve (six during). Oslo's three matches ended in 2025: housing yes (during), no, and
    one not recorded; work or study and network no for all three."""
    bergen = _ended(dataset.bergen)
    assert len(bergen) == 12
    for n, match in enumerate(bergen):
        match.outcome_housing = "yes" if n < 7 else "no"
        match.outcome_housing_during = (n < 5) if n < 7 else None
        match.outcome_work_or_study = "yes"
        match.outcome_work_or_study_during = n < 10
        match.outcome_network = "yes"
        match.outcome_network_during = n < 6
        match.save()
    oslo = [m for m in _ended(dataset.oslo) if m.ended_on and m.ended_on.year == 2025]
    assert len(oslo) == 3
    for match, housing in zip(oslo, ["yes", "no", ""], strict=True):
        match.outcome_housing = housing
        match.outcome_housing_during = True if housing == "yes" else None
        match.outcome_work_or_study = "no"
        match.outcome_work_or_study_during = None
        match.outcome_network = "no"
        match.save()
    return dataset


def _figures(row: dict, name: str) -> list[int]:
    return [row[f"{name}_{k}"] for k in ("yes", "during", "no", "unknown", "ended")]


def test_the_other_outcomes_counted_by_hand(recorded):
    ids = [recorded.oslo.pk, recorded.bergen.pk]
    figures = collect(PERIOD, ids, national=True)
    assert _figures(figures.rows[recorded.bergen.pk], "housing") == [7, 5, 5, 0, 12]
    assert _figures(figures.rows[recorded.oslo.pk], "housing") == [1, 1, 1, 1, 3]
    assert _figures(figures.totals, "housing") == [8, 6, 6, 1, 15]
    assert _figures(figures.totals, "work_or_study") == [12, 10, 3, 0, 15]
    assert _figures(figures.totals, "network") == [12, 6, 3, 0, 15]
    # Nothing recorded for help services: all not known.
    assert _figures(figures.totals, "help_services") == [0, 0, 0, 15, 15]


def test_the_other_outcomes_are_one_grouped_query(recorded, django_assert_max_num_queries):
    ids = [recorded.oslo.pk, recorded.bergen.pk]
    with django_assert_max_num_queries(1) as captured:
        parts = match_parts(PERIOD, ids, Plan(totals=False, measures=False, lists=False))
        run([part for _name, part in parts])
    sql = captured.captured_queries[0]["sql"]
    assert "outcome_help_services_during" in sql and "GROUP BY" in sql


def _cells(table) -> dict:
    return {row.key: row.cells[0] for row in table.rows if row.key}


def test_an_association_sees_its_own_outcomes_unsuppressed(recorded):
    figures = collect(PERIOD, [recorded.oslo.pk])
    cells = _cells(other_outcomes(OwnSource(figures, recorded.oslo.pk)))
    assert [cells[k].value for k in ("housing_yes", "housing_during", "housing_no")] == [1, 1, 1]
    assert cells["housing_unknown"].value == 1


def test_the_published_other_outcomes_are_suppressed(recorded):
    ids = list(Association.objects.values_list("pk", flat=True))
    publication = Publication(collect(PERIOD, ids, national=True))
    oslo = _cells(other_outcomes(PublishedSource(publication, recorded.oslo.pk)))
    # Oslo's ones are small: hidden, and so is what came during the match.
    assert all(oslo[k].hidden for k in ("housing_yes", "housing_no", "housing_unknown"))
    assert oslo["housing_during"].hidden
    bergen_table = other_outcomes(PublishedSource(publication, recorded.bergen.pk))
    bergen = _cells(bergen_table)
    # Bergen's seven with housing are hidden beside Oslo's one (the same column), and so
    # what came during the match is withheld with them.
    assert (bergen["housing_yes"].value, bergen["housing_yes"].state) == (7, SECONDARY)
    assert bergen["housing_during"].hidden
    assert bergen_table.withheld


def test_came_during_the_match_is_suppressed_against_its_yes(recorded):
    # Bergen published alone (its row is the whole): its counts are not small.
    publication = Publication(collect(PERIOD, [recorded.bergen.pk], national=True))
    table = other_outcomes(PublishedSource(publication, recorded.bergen.pk))
    bergen = _cells(table)
    # Seven with housing, shown; five during and two not: the two are small, and the five
    # would give them away (7 - 5): both hidden.
    assert (bergen["housing_yes"].value, bergen["housing_yes"].state) == (7, SHOWN)
    assert (bergen["housing_no"].value, bergen["housing_no"].state) == (5, SHOWN)
    assert bergen["housing_during"].hidden
    # Twelve with work or study, ten during and two not: hidden in the same way.
    assert (bergen["work_or_study_yes"].value, bergen["work_or_study_yes"].state) == (12, SHOWN)
    assert bergen["work_or_study_during"].hidden
    # Twelve with a network, six during and six not: shown.
    assert (bergen["network_yes"].value, bergen["network_yes"].state) == (12, SHOWN)
    assert (bergen["network_during"].value, bergen["network_during"].state) == (6, SHOWN)
