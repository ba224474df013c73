"""Six months after the end: the matches whose six months (LATER_OUTCOME_DAYS after the end)
came in the period, by what the coordinator recorded then. Counted in the database, worked out by
hand on the fixed data set (tests/reports/conftest.py), suppressed when published, said in the
summary."""

from datetime import date, timedelta

import pytest

from accounts.models import Association
from matching.models import LATER_OUTCOME_DAYS, Match, MatchStatus
from reports.figures import Plan, collect, match_parts
from reports.publication import Publication
from reports.queries import run
from reports.summary import sentences
from reports.suppression import SECONDARY
from reports.tables import OwnSource, PublishedSource, later_outcomes
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db

# The first and the last end date whose six months fall in 2025.
FIRST_IN = PERIOD.start - timedelta(days=LATER_OUTCOME_DAYS)  # 3 July 2024
LAST_IN = PERIOD.end - timedelta(days=LATER_OUTCOME_DAYS)  # 2 July 2025
KEYS = ("later_no", "later_yes", "later_after", "later_unknown", "later_not_recorded", "later_due")


def _ended(association) -> list[Match]:
    return list(
        Match.objects.filter(referral__association=association, status=MatchStatus.ENDED).order_by(
            "pk"
        )
    )


def _set(match: Match, ended_on: date, later: str, at_end: str | None = None) -> None:
    match.ended_on = ended_on
    match.later_moved_back = later
    if at_end is not None:
        match.outcome_moved_back = at_end
    match.save()


@pytest.fixture
def recorded(dataset):
    """Every ended match of the data set given an end date and a six-month answer:

    Oslo (three ended): 3 July 2024, no (in: its six months are 1 January 2025); 2 July 2025,
    yes, not moved back at the end (in: 31 December 2025); 2 July 2024, yes (out: 31 December
    2024).
    Bergen (twelve ended): 3 July 2025, no (out: 1 January 2026); eleven on 15 January 2025 (in):
    six no, two yes (one of them had not moved back at the end), one not known, two not asked.
    """
    assert (date(2024, 7, 3), date(2025, 7, 2)) == (FIRST_IN, LAST_IN)
    oslo = _ended(dataset.oslo)
    assert len(oslo) == 3
    _set(oslo[0], FIRST_IN, "no")
    _set(oslo[1], LAST_IN, "yes", at_end="no")
    _set(oslo[2], FIRST_IN - timedelta(days=1), "yes")
    bergen = _ended(dataset.bergen)
    assert len(bergen) == 12
    _set(bergen[0], LAST_IN + timedelta(days=1), "no")
    answers = ["no"] * 6 + ["yes", "yes", "unknown", "", ""]
    for match, later in zip(bergen[1:], answers, strict=True):
        _set(match, date(2025, 1, 15), later, at_end="no")
    bergen[8].outcome_moved_back = "yes"  # the second yes had moved back at the end too
    bergen[8].save()
    return dataset


def _figures(row: dict) -> list[int]:
    return [row[key] for key in KEYS]


def test_six_months_later_counted_by_hand(recorded):
    figures = collect(PERIOD, [recorded.oslo.pk, recorded.bergen.pk], national=True)
    # Oslo: the first and the second (in), not the third (out): one no, one yes after a no.
    assert _figures(figures.rows[recorded.oslo.pk]) == [1, 1, 1, 0, 0, 2]
    # Bergen: the eleven on 15 January; not the one whose six months are in 2026.
    assert _figures(figures.rows[recorded.bergen.pk]) == [6, 2, 1, 1, 2, 11]
    assert _figures(figures.totals) == [7, 3, 2, 1, 2, 13]


def test_the_edges_of_the_period_are_its_days(recorded):
    """A period of one day: the one match whose six months are that day."""
    from reports.periods import Period

    day = LAST_IN + timedelta(days=LATER_OUTCOME_DAYS)  # 31 December 2025
    figures = collect(Period(day, day), [recorded.oslo.pk, recorded.bergen.pk], national=True)
    assert _figures(figures.totals) == [0, 1, 1, 0, 0, 1]


def test_counted_in_the_matches_grouped_query(recorded, django_assert_max_num_queries):
    ids = [recorded.oslo.pk, recorded.bergen.pk]
    with django_assert_max_num_queries(1) as captured:
        parts = match_parts(PERIOD, ids, Plan(totals=False, measures=False, lists=False))
        run([part for _name, part in parts])
    assert "later_moved_back" in captured.captured_queries[0]["sql"]


def _cells(table) -> dict:
    return {row.key: row.cells[0] for row in table.rows if row.key}


def test_an_association_sees_its_own_unsuppressed(recorded):
    figures = collect(PERIOD, [recorded.bergen.pk])
    table = later_outcomes(OwnSource(figures, recorded.bergen.pk))
    cells = _cells(table)
    assert [cells[k].value for k in ("no", "yes", "after", "unknown", "not_recorded")] == [
        6,
        2,
        1,
        1,
        2,
    ]
    assert table.rows[-1].total and table.rows[-1].cells[0].value == 11


def test_published_the_small_counts_are_hidden(recorded):
    ids = list(Association.objects.values_list("pk", flat=True))
    publication = Publication(collect(PERIOD, ids, national=True))
    oslo = _cells(later_outcomes(PublishedSource(publication, recorded.oslo.pk)))
    # Oslo's one no and one yes are small (its noughts are shown as they are).
    assert all(oslo[k].hidden for k in ("no", "yes", "after"))
    assert (oslo["unknown"].value, oslo["unknown"].shown) == (0, True)
    bergen_table = later_outcomes(PublishedSource(publication, recorded.bergen.pk))
    bergen = _cells(bergen_table)
    # Two yes: hidden, and with them which of them had not moved back at the end.
    assert bergen["yes"].hidden and bergen["after"].hidden
    assert bergen_table.withheld
    # Bergen's six no beside Oslo's one: the country's seven is shown, so the six is hidden
    # too (as secondary), or 7 - 6 would give Oslo's one away.
    assert (bergen["no"].value, bergen["no"].state) == (6, SECONDARY)
    national = later_outcomes(PublishedSource(publication, None))
    assert national.rows[-1].cells[0].value == 13 and national.rows[-1].cells[0].shown
    assert _cells(national)["no"].value == 7


def test_the_summary_says_it(recorded):
    figures = collect(PERIOD, [recorded.bergen.pk])
    built = {"later-outcomes": later_outcomes(OwnSource(figures, recorded.bergen.pk))}
    said = sentences(built, PERIOD)
    assert (
        "Seks måneder etter avslutningen visste vi at 6 av de 11 kvinnene som hadde fått "
        "koblingen avsluttet, ikke hadde flyttet tilbake til overgriper." in said
    )


def test_nobody_asked_says_nothing(dataset):
    """Oslo's one match ended on 1 March 2025 (its six months in 2025), nothing recorded: the
    table has it as not asked, and the summary does not say "0 of the 1"."""
    figures = collect(PERIOD, [dataset.oslo.pk])
    assert _figures(figures.rows[dataset.oslo.pk]) == [0, 0, 0, 0, 1, 1]
    built = {"later-outcomes": later_outcomes(OwnSource(figures, dataset.oslo.pk))}
    assert not any("Seks måneder" in sentence for sentence in sentences(built, PERIOD))


def test_a_period_with_none_due_says_nothing(dataset):
    Match.objects.filter(status=MatchStatus.ENDED).update(ended_on=date(2025, 12, 1))
    figures = collect(PERIOD, [dataset.oslo.pk, dataset.bergen.pk], national=True)
    assert _figures(figures.totals) == [0, 0, 0, 0, 0, 0]
    built = {"later-outcomes": later_outcomes(OwnSource(figures, None))}
    assert not any("Seks måneder" in sentence for sentence in sentences(built, PERIOD))
