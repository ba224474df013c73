"""How the candidates are read quickly, and that each quick way gives the plain answer.

docs/benchmarks.md explains the ways: the volunteers and the facts about them kept in other
tables are sent by PostgreSQL as packed columns; those facts are read for the candidates alone,
or, when the candidates are most of the volunteers, from the whole tables (the others dropped);
only the volunteers who can be among the best are sorted; and the first excluded volunteers
by name are loaded without the others.
"""

from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from courses.models import Consideration
from matching import scoring
from matching.models import MatchStatus, Referral
from tests.factories import volunteer
from volunteers.models import Status, Volunteer

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the packed columns are PostgreSQL's"
)

# First names whose order differs between a language's collation and code points (as Python
# compares strings): capitals before small letters, Æ Ø Å and accents after Z.
NAMES = ["Åse", "anne", "Øyvor", "Zara", "Berit", "Émilie", "berit", "Anne", "Ærle", "Bo"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


SPREAD = 2 * len(NAMES)  # volunteers in a spread: each name twice


def a_spread_of_volunteers(
    association, make_volunteer, make_match, *, referral=None, count=SPREAD
) -> None:
    """Volunteers who pass and fail each rule, with languages, courses, commitments and
    matches of every kind, named to test the order of names."""
    today = timezone.localdate()
    for n, name in enumerate((NAMES * 3)[:count]):
        person = make_volunteer(
            association,
            first_name=name,
            last_name=("Ås", "Berg", "aas")[n % 3],
            languages=(("no",), ("en", "so"), ("so",), ("ar", "no"), ("pl",))[n % 5],
            status=Status.PAUSED if n % 9 == 4 else Status.APPROVED,
            basic_course=n % 7 != 3,
            specialised=n % 4 == 0,
            commitment=n % 8 != 5,
            commitment_ends=today + timedelta(days=60 if n % 3 == 1 else 400),
            approved_days_ago=(n * 37) % 400,
            municipality_number=("0301", "3201")[n % 2]
            if association.name.startswith("Oslo")
            else None,
            capacity=1 + n % 3,
            strengths=n % 16,
            availability=1 + n % 7,
            birth_year=1950 + (n * 7) % 50,
        )
        if n % 3 == 0:
            make_match(person)
        if n % 5 == 1:
            make_match(person, status=MatchStatus.ENDED)
            make_match(person, status=MatchStatus.ENDED)
        if n % 6 == 2:
            make_match(person, status=MatchStatus.PROPOSED)
        if referral is not None and n % 11 == 7:
            make_match(person, status=MatchStatus.CANCELLED, referral=referral)
    # Not candidates, but with languages, courses and a commitment in the same tables.
    volunteer(association, status=Status.APPLIED, languages=("no", "so"))
    make_volunteer(association, status=Status.ENDED, first_name="Slutt")


def columns(cands: scoring.Candidates) -> dict[str, np.ndarray]:
    """Every column of the candidates, dates as numbers (NaT compares as a number then)."""
    return {
        name: (value.astype("int64") if value.dtype.kind == "M" else value)
        for name, value in vars(cands).items()
        if name != "also"  # rows read along, asked for by the caller (none here)
    }


def test_facts_from_the_whole_tables_are_those_read_for_the_candidates(
    monkeypatch, oslo, bergen, make_volunteer, make_match, make_referral
):
    referral = make_referral(
        oslo,
        preferred_language="so",
        languages=("en", "no"),
        wish_language="ar",
        considerations=Consideration.HONOUR_VIOLENCE,
        avoid=("3201",),
    )
    a_spread_of_volunteers(oslo, make_volunteer, make_match, referral=referral)
    a_spread_of_volunteers(bergen, make_volunteer, make_match, count=8)
    refs = scoring.load_referrals(
        [Referral.objects.select_related("municipality").get(pk=referral.pk)]
    )

    def read(**options) -> tuple[scoring.Candidates, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            cands = scoring.load_candidates([oslo.pk], **options)
        return cands, [query["sql"] for query in queries.captured_queries]

    asked = [{}, {"language_codes": refs.language_codes}, {"include_paused": False}]
    theirs = [read(**options) for options in asked]
    monkeypatch.setattr(scoring, "FILTER_FACTS_UP_TO", 0)  # Oslo has most of the volunteers
    whole = [read(**options) for options in asked]

    for (cands, sql), (whole_cands, whole_sql) in zip(theirs, whole, strict=True):
        assert len(cands) == len(whole_cands) > 10
        assert set(cands.base_rule.tolist()) >= {scoring.RULE_OK, scoring.RULE_COURSES}
        for name, value in columns(cands).items():
            assert np.array_equal(value, columns(whole_cands)[name], equal_nan=True), name
        # The facts are read in one query: for the candidates by their ids, or the whole tables.
        (facts,) = [s for s in sql if "volunteers_volunteerlanguage" in s]
        (whole_facts,) = [s for s in whole_sql if "volunteers_volunteerlanguage" in s]
        among_ids = "= ANY(" if connection.vendor == "postgresql" else '"volunteer_id" IN ('
        assert among_ids in facts and among_ids not in whole_facts
        assert '"volunteers_volunteer"' not in facts + whole_facts
        assert len(whole_sql) == len(sql) + 1  # how many volunteers there are, to choose
    # Many candidates, but not most of the volunteers: their facts are joined to the volunteers
    # of their association instead, with the same answer.
    monkeypatch.setattr(Volunteer.objects, "count", lambda: 1_000_000)
    joined = [read(**options) for options in asked]
    for (cands, _sql), (joined_cands, joined_sql) in zip(theirs, joined, strict=True):
        for name, value in columns(cands).items():
            assert np.array_equal(value, columns(joined_cands)[name], equal_nan=True), name
        (joined_facts,) = [s for s in joined_sql if "volunteers_volunteerlanguage" in s]
        assert '"volunteers_volunteer"' in joined_facts and among_ids not in joined_facts
    monkeypatch.undo()
    monkeypatch.setattr(scoring, "FILTER_FACTS_UP_TO", 0)

    def suggested(result: scoring.Suggestions) -> tuple:
        return (
            [(s.volunteer, s.score, [p.reason for p in s.parts]) for s in result.suggestions],
            list(result.excluded),
            [(s.volunteer, s.score) for s in result.short],
        )

    from_whole_tables = suggested(scoring.suggest(referral))
    monkeypatch.setattr(scoring, "FILTER_FACTS_UP_TO", 10_000)
    assert from_whole_tables == suggested(scoring.suggest(referral))
    assert from_whole_tables[0] and from_whole_tables[1]


@on_postgresql
def test_packed_columns_are_the_numbers_of_the_rows(oslo, make_volunteer):
    make_volunteer(oslo, birth_year=1961, strengths=32767, capacity=3)
    never = make_volunteer(oslo, status=Status.PAUSED)
    Volunteer.objects.filter(pk=never.pk).update(approved_at=None)  # "since" is NULL: nan
    volunteers = Volunteer.objects.filter(association=oslo).order_by()
    queryset = scoring._volunteer_columns(volunteers)
    types = list(scoring._VOLUNTEER_COLUMNS.values())

    packed = scoring._matrix(queryset, types)

    rows = np.array([[np.nan if v is None else float(v) for v in row] for row in queryset])
    assert packed.shape == rows.shape == (2, len(types))
    assert np.array_equal(packed, rows, equal_nan=True)
    assert np.isnan(packed[:, -1]).sum() == 1 and 32767 in packed[:, 4]
    # A NULL where a whole number is expected is an error, never a shifted column.
    with pytest.raises(ValueError, match="NULL"):
        scoring._matrix(Volunteer.objects.values_list("pk", "approved_at__year"), types[:2])


def test_the_first_excluded_by_name_are_the_start_of_the_whole_list(
    oslo, make_volunteer, make_match, make_referral, django_assert_num_queries
):
    referral = make_referral(oslo, avoid=("3201",))
    a_spread_of_volunteers(oslo, make_volunteer, make_match, referral=referral)
    whole = list(scoring.suggest(referral).excluded)
    assert len(whole) > 10 and len({e.rule for e in whole}) >= 4

    # PostgreSQL: the excluded joined to the volunteers and ordered there; elsewhere the order
    # of names, then the first `count`.
    queries = 1 if connection.vendor == "postgresql" else 2
    for count in (1, 2, 5, len(whole) // 2, len(whole) - 1):
        excluded = scoring.suggest(referral).excluded
        with django_assert_num_queries(queries):
            first = excluded[:count]
        assert [(e.volunteer, e.rule) for e in first] == [(e.volunteer, e.rule) for e in whole][
            :count
        ]
        assert [e.reason for e in first] == [e.reason for e in whole[:count]]
        # The other way gives the same (the one SQLite takes).
        ranked = scoring.suggest(referral).excluded._first_ranked(count)
        assert [(e.volunteer, e.rule) for e in ranked] == [(e.volunteer, e.rule) for e in first]
    # Other slices, and the whole list, read them all (one query).
    excluded = scoring.suggest(referral).excluded
    with django_assert_num_queries(1):
        assert excluded[2:4] == whole[2:4] and excluded[: len(whole) + 5] == whole


def test_the_names_are_ordered_as_python_orders_them(oslo, make_volunteer, make_referral):
    referral = make_referral(oslo)
    for name in NAMES:
        make_volunteer(oslo, first_name=name, basic_course=False)
    excluded = scoring.suggest(referral).excluded

    assert [e.volunteer.first_name for e in excluded[: len(NAMES) - 1]] == sorted(NAMES)[:-1]


def test_sorting_only_those_who_can_be_best_keeps_the_order(
    oslo, make_volunteer, make_match, make_referral
):
    referral = make_referral(oslo)
    # Many equal scores: the same in everything but waiting time, in pairs.
    for n in range(16):
        make_volunteer(oslo, approved_days_ago=10 * (n // 2), first_name=f"Lik{n}")
    a_spread_of_volunteers(oslo, make_volunteer, make_match)
    everyone = scoring.suggest(referral, limit=1000).suggestions
    assert len(everyone) >= 20

    for limit in (1, 2, 3, 5, 8, 13, 20, len(everyone) - 1, len(everyone), len(everyone) + 1):
        best = scoring.suggest(referral, limit=limit).suggestions
        assert [(s.volunteer, s.score) for s in best] == [
            (s.volunteer, s.score) for s in everyone[:limit]
        ]
