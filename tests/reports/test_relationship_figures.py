"""Statistics of how the pairs are doing: aggregates only, hand-computed, small counts hidden."""

from datetime import date

import pytest

from matching.models import FollowUp, MatchStatus, RelationshipAnswer
from reports.periods import Period
from reports.relationship import relationship_figures
from tests.matching.conftest import make_match, make_referral, make_volunteer  # noqa: F401

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def _answers(match, kind, done_on, **respondents):
    follow_up = FollowUp.objects.create(match=match, kind=kind, due_on=done_on, done_on=done_on)
    for respondent, scores in respondents.items():
        RelationshipAnswer.objects.create(follow_up=follow_up, respondent=respondent, **scores)


def _row(rows, question, respondent):
    return next(r for r in rows if r["question"] == question and r["respondent"] == respondent)


@pytest.fixture
def matches(oslo, bergen, make_volunteer, make_match):
    return [make_match(make_volunteer(oslo), status=MatchStatus.ACTIVE) for _ in range(6)] + [
        make_match(make_volunteer(bergen), status=MatchStatus.ACTIVE)
    ]


def test_means_and_counts_per_question_and_respondent(matches, oslo, django_assert_num_queries):
    closeness = [5, 4, 4, 3, 2, 1]  # the woman's at one month, one per Oslo match
    for match, value in zip(matches[:6], closeness, strict=True):
        _answers(
            match,
            "1m",
            date(2025, 3, 1),
            woman={"closeness": value, "trust": 3 if value > 2 else None},
            volunteer={"helps": 4},
        )
    # Outside the period: not counted.
    _answers(matches[0], "3m", date(2026, 1, 5), woman={"closeness": 1, "trust": 1})
    # Another association.
    _answers(matches[6], "1m", date(2025, 6, 1), woman={"closeness": 1})

    with django_assert_num_queries(1):
        rows = relationship_figures(YEAR, [oslo.pk])
    assert len(rows) == 8
    woman = _row(rows, "Nærhet", "Kvinnen")
    assert (woman["answers"], woman["mean"]) == (6, round(19 / 6, 1))  # 3.2
    # Trust: 4 answers (two did not answer): hidden, and so is its mean.
    trust = _row(rows, "Tillit", "Kvinnen")
    assert (trust["answers"], trust["hidden"], trust["mean"]) == (None, True, None)
    helps = _row(rows, "Det hjelper", "Ressursvennen")
    assert (helps["answers"], helps["mean"]) == (6, 4.0)
    # Nobody answered: zero is shown, no mean.
    nobody = _row(rows, "Det hjelper", "Kvinnen")
    assert (nobody["answers"], nobody["hidden"], nobody["mean"]) == (0, False, None)

    everyone = relationship_figures(YEAR)
    woman = _row(everyone, "Nærhet", "Kvinnen")
    assert (woman["answers"], woman["mean"]) == (7, round(20 / 7, 1))  # 2.9


def test_the_table_on_the_page_and_in_the_export(matches, oslo, django_assert_num_queries):
    """The statistics page's table (reports.tables.relationship): per question a row, the
    woman's mean and count, then the volunteer's; a hidden count "<5" with no mean."""
    from reports import report as compute

    for match, value in zip(matches[:6], [5, 4, 4, 3, 2, 1], strict=True):
        _answers(
            match,
            "1m",
            date(2025, 3, 1),
            woman={"closeness": value, "trust": 3 if value > 2 else None},
            volunteer={"helps": 4},
        )
    table = compute.own(YEAR, oslo.pk)["relationship"]
    rows = {row.label: [cell.csv() for cell in row.cells] for row in table.rows}
    assert len(rows) == 4 and list(rows)[:2] == ["Nærhet", "Tillit"]
    assert rows["Nærhet"] == ["3,2", "6", "–", "0"]  # 19 / 6; the volunteer: nobody answered
    assert rows["Tillit"] == ["–", "<5", "–", "0"]  # 4 answers: hidden, and no mean
    assert rows["Det hjelper"] == ["–", "0", "4", "6"]
    assert len(table.columns) == 5 and table.exportable

    # A coordinator's CSV file of the table: the association's ids, then the one grouped query.
    with django_assert_num_queries(2):
        exported = compute.own_export(YEAR, oslo.pk, "relationship")
    assert exported is not None
    assert [[c.csv() for c in r.cells] for r in exported.rows] == list(rows.values())

    # The national page: every association together (Bergen has no answers).
    national = compute.National(YEAR).all_tables("")["relationship"]
    assert [c.csv() for c in national.rows[0].cells] == ["3,2", "6", "–", "0"]


def test_the_statistics_page_shows_the_table(client, matches, oslo, coordinator_oslo):
    from django.urls import reverse

    from tests.conftest import login
    from tests.reports.conftest import PERIOD_QUERY

    for match, value in zip(matches[:6], [5, 4, 4, 3, 2, 1], strict=True):
        _answers(match, "1m", date(2025, 3, 1), woman={"closeness": value})
    login(client, coordinator_oslo)
    page = client.get(f"{reverse('statistics')}?{PERIOD_QUERY}").content.decode()
    assert "Hvor godt går det i koblingene (snitt 1–5)" in page
    table = page.split('id="table-relationship"')[1].split("</table>")[0]
    assert "3,2" in table and "Nærhet" in table
