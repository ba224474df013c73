"""Who may be matched with a referral (the hard rules) and how well (the explained score)."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone, translation

from courses.models import Consideration
from matching import scoring
from matching.models import MatchingWeights, MatchStatus, Referral
from volunteers.models import NEEDS, Availability, Status, Strength

pytestmark = pytest.mark.django_db

DRAMMEN_KM = 35.6  # Oslo to Drammen, between the municipality centres
BAERUM_KM = 12.4  # Oslo to Bærum: a neighbour, inside the distance floor


@pytest.fixture(autouse=True)
def _english():
    """Reasons in English, so the assertions read the msgids."""
    with translation.override("en"):
        yield


def pair(
    referral: Referral, volunteers
) -> tuple[scoring.ReferralFeatures, scoring.Candidates, list]:
    """The referral and the candidates of its association, and each volunteer's column."""
    cands = scoring.load_candidates([referral.association_id])
    refs = scoring.load_referrals([referral])
    columns = [int(np.flatnonzero(cands.ids == v.pk)[0]) for v in volunteers]
    return refs, cands, columns


def rule_of(referral: Referral, person) -> int:
    refs, cands, (i,) = pair(referral, [person])
    return int(scoring.rules(refs, cands)[0, i])


def part_values(referral: Referral, volunteers, name: str) -> list[float]:
    refs, cands, columns = pair(referral, volunteers)
    values = scoring.parts(refs, cands)[name][0]
    return [round(float(values[i]), 4) for i in columns]


# --- The hard rules ----------------------------------------------------------------------------


HARD_RULES = {
    # rule: (how the volunteer falls short, how the referral calls for it)
    scoring.RULE_PAUSED: ({"status": Status.PAUSED}, {}),
    scoring.RULE_COURSES: ({"basic_course": False}, {}),
    scoring.RULE_COMMITMENT: ({"commitment": False}, {}),
    scoring.RULE_CAPACITY: ({"full": True}, {}),
    scoring.RULE_AVOID: ({"municipality_number": "3201"}, {"avoid": ("3201",)}),
    scoring.RULE_SPECIALISATION: ({}, {"considerations": Consideration.HONOUR_VIOLENCE}),
    scoring.RULE_EARLIER_PAIRING: ({"earlier": MatchStatus.CANCELLED}, {}),
}
RULE_TEXTS = {
    scoring.RULE_PAUSED: "Paused, or not approved",
    scoring.RULE_COURSES: "Has not completed every required course",
    scoring.RULE_COMMITMENT: "Has no commitment period running",
    scoring.RULE_CAPACITY: "Has no free place (capacity reached)",
    scoring.RULE_AVOID: "Lives in a municipality to avoid",
    scoring.RULE_SPECIALISATION: "Lacks the specialisation course her situation calls for",
    scoring.RULE_EARLIER_PAIRING: "An earlier proposal with this referral was declined, cancelled or broken off",
}


@pytest.mark.parametrize("rule", list(HARD_RULES), ids=lambda rule: RULE_TEXTS[rule])
def test_each_hard_rule_excludes_her_alone_and_says_which_rule(
    rule, oslo, make_volunteer, make_referral, make_match
):
    falls_short, calls_for = HARD_RULES[rule]
    falls_short = dict(falls_short)
    full, earlier = falls_short.pop("full", False), falls_short.pop("earlier", None)
    referral = make_referral(oslo, **calls_for)
    excluded = make_volunteer(oslo, first_name="Ekskludert", **falls_short)
    # Everyone else meets every rule, also the one under test (same municipality for the avoid
    # rule, the specialisation course for a consideration).
    fine = make_volunteer(oslo, first_name="Klar", specialised=True)
    if full:
        make_match(excluded, status=MatchStatus.PROPOSED)
    if earlier:
        make_match(excluded, status=earlier, referral=referral)

    result = scoring.suggest(referral)

    assert [s.volunteer for s in result.suggestions] == [fine]
    assert [(e.volunteer, e.rule) for e in result.excluded] == [(excluded, rule)]
    assert result.excluded[0].reason == RULE_TEXTS[rule] == scoring.rule_text(rule)
    assert scoring.eligible_score(referral, excluded) is None
    assert scoring.eligible_score(referral, fine) == result.suggestions[0].score


def test_the_first_rule_that_fails_is_the_one_shown(
    oslo, make_volunteer, make_referral, make_match
):
    referral = make_referral(oslo, avoid=("3201",), considerations=Consideration.FORCED_MARRIAGE)
    everything = make_volunteer(
        oslo, status=Status.PAUSED, basic_course=False, commitment=False, municipality_number="3201"
    )
    no_course = make_volunteer(oslo, basic_course=False, commitment=False)
    no_commitment = make_volunteer(oslo, commitment=False)
    full_and_avoided = make_volunteer(oslo, municipality_number="3201")
    make_match(full_and_avoided)
    avoided_and_untrained = make_volunteer(oslo, municipality_number="3201")
    untrained_and_earlier = make_volunteer(oslo)
    make_match(untrained_and_earlier, status=MatchStatus.CANCELLED, referral=referral)
    only_earlier = make_volunteer(oslo, specialised=True)
    make_match(only_earlier, status=MatchStatus.CANCELLED, referral=referral)

    assert [
        rule_of(referral, person)
        for person in (
            everything,
            no_course,
            no_commitment,
            full_and_avoided,
            avoided_and_untrained,
            untrained_and_earlier,
            only_earlier,
        )
    ] == [
        scoring.RULE_PAUSED,
        scoring.RULE_COURSES,
        scoring.RULE_COMMITMENT,
        scoring.RULE_CAPACITY,
        scoring.RULE_AVOID,
        scoring.RULE_SPECIALISATION,
        scoring.RULE_EARLIER_PAIRING,
    ]


def test_capacity_counts_open_matches_only_and_allows_up_to_her_capacity(
    oslo, make_volunteer, make_referral, make_match
):
    referral = make_referral(oslo)
    two_places_one_taken = make_volunteer(oslo, capacity=2)
    make_match(two_places_one_taken)
    two_places_both_taken = make_volunteer(oslo, capacity=2)
    make_match(two_places_both_taken, status=MatchStatus.PAUSED)
    make_match(two_places_both_taken, status=MatchStatus.FIRST_MEETING_PLANNED)
    finished_and_free = make_volunteer(oslo)
    make_match(finished_and_free, status=MatchStatus.ENDED)
    make_match(finished_and_free, status=MatchStatus.CANCELLED)

    assert [
        rule_of(referral, p)
        for p in (two_places_one_taken, two_places_both_taken, finished_and_free)
    ] == [scoring.RULE_OK, scoring.RULE_CAPACITY, scoring.RULE_OK]
    cands = scoring.load_candidates([oslo.pk])
    assert sorted(cands.free_places.tolist()) == [0, 1, 1]


def test_a_commitment_that_ended_or_has_not_started_is_not_running(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo)
    ended = make_volunteer(oslo)
    ended.commitments.update(ended_on=timezone.localdate() - timedelta(days=1))
    not_started = make_volunteer(oslo)
    not_started.commitments.update(starts_on=timezone.localdate() + timedelta(days=1))

    assert rule_of(referral, ended) == rule_of(referral, not_started) == scoring.RULE_COMMITMENT


def test_only_considerations_that_call_for_a_course_need_one(oslo, make_volunteer, make_referral):
    untrained = make_volunteer(oslo)
    trained = make_volunteer(oslo, specialised=True)
    children = make_referral(oslo, considerations=Consideration.HAS_CHILDREN)
    control = make_referral(
        oslo, considerations=Consideration.NEGATIVE_SOCIAL_CONTROL | Consideration.HAS_CHILDREN
    )

    assert rule_of(children, untrained) == scoring.RULE_OK
    assert rule_of(control, untrained) == scoring.RULE_SPECIALISATION
    assert rule_of(control, trained) == scoring.RULE_OK


def test_volunteers_of_other_associations_are_not_considered(
    oslo, bergen, make_volunteer, make_referral
):
    referral = make_referral(oslo)
    own = make_volunteer(oslo)
    make_volunteer(bergen, first_name="Bergenser")

    result = scoring.suggest(referral)

    assert [s.volunteer for s in result.suggestions] == [own]
    assert result.excluded == []


# --- The parts of the score --------------------------------------------------------------------


def test_distance_gives_full_marks_up_to_a_neighbouring_municipality_then_falls(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, municipality_number="0301")
    here = make_volunteer(oslo, municipality_number="0301")
    neighbour = make_volunteer(oslo, municipality_number="3201")  # Bærum
    drammen = make_volunteer(oslo, municipality_number="3301")
    bergen = make_volunteer(oslo, municipality_number="4601")

    refs, cands, columns = pair(referral, [here, neighbour, drammen, bergen])
    km = [float(scoring.parts(refs, cands)["_km"][0, i]) for i in columns]

    assert km == pytest.approx([0, BAERUM_KM, DRAMMEN_KM, 304.7], abs=0.1)
    # Full marks to 15 km, nothing from 100 km: Drammen gets 1 - (35.6 - 15) / 85.
    assert part_values(referral, [here, neighbour, drammen, bergen], "distance") == pytest.approx(
        [1.0, 1.0, 1 - (km[2] - 15) / 85, 0.0], abs=1e-4
    )


def test_her_preferred_language_weighs_most_then_any_shared_language(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, preferred_language="ar", languages=("en",), wish_language="so")
    preferred = make_volunteer(oslo, languages=("no", "ar"))
    wished = make_volunteer(oslo, languages=("no", "so"))
    shared = make_volunteer(oslo, languages=("no", "en"))
    none = make_volunteer(oslo, languages=("no", "pl"))

    assert part_values(referral, [preferred, wished, shared, none], "language") == [
        1.0,
        1.0,
        0.5,
        0.0,
    ]


def test_needs_are_the_fraction_of_her_needs_among_the_strengths(
    oslo, make_volunteer, make_referral
):
    needs = Strength.NETWORK | Strength.JOB_SEARCH | Strength.HOUSING | Strength.FINANCES
    referral = make_referral(oslo, needs=needs)
    no_needs = make_referral(oslo, needs=0)
    half = make_volunteer(
        oslo, strengths=Strength.NETWORK | Strength.HOUSING | Strength.LEISURE_CULTURE
    )
    all_of_them = make_volunteer(oslo, strengths=needs | Strength.NORWEGIAN_PRACTICE)
    other = make_volunteer(oslo, strengths=Strength.CHILDRENS_ACTIVITIES)

    assert part_values(referral, [half, all_of_them, other], "needs") == [0.5, 1.0, 0.0]
    assert part_values(no_needs, [half, all_of_them, other], "needs") == [1.0, 1.0, 1.0]


def test_availability_is_the_share_of_her_times_the_volunteer_can_meet(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, availability=Availability.WEEKDAY_EVENING | Availability.WEEKEND)
    any_time = make_referral(oslo, availability=0)
    one = make_volunteer(oslo, availability=Availability.WEEKEND | Availability.WEEKDAY_DAYTIME)
    both = make_volunteer(oslo, availability=7)
    neither = make_volunteer(oslo, availability=Availability.WEEKDAY_DAYTIME)

    assert part_values(referral, [one, both, neither], "availability") == [0.5, 1.0, 0.0]
    assert part_values(any_time, [one, both, neither], "availability") == [1.0, 1.0, 1.0]


def test_the_age_wish_inside_near_outside_and_no_wish(oslo, make_volunteer, make_referral):
    year = timezone.localdate().year
    wish = make_referral(oslo, wish_age_bracket="36-45")
    no_wish = make_referral(oslo, wish_age_bracket="")
    inside, near, outside = (make_volunteer(oslo, birth_year=year - age) for age in (40, 49, 60))
    edge = make_volunteer(oslo, birth_year=year - 45)

    assert part_values(wish, [inside, edge, near, outside], "age") == [1.0, 1.0, 0.5, 0.0]
    assert part_values(no_wish, [inside, near, outside], "age") == [1.0, 1.0, 1.0]


def test_waiting_counts_from_approval_or_her_last_match_full_after_180_days(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo)
    half = make_volunteer(oslo, approved_days_ago=90)
    long = make_volunteer(oslo, approved_days_ago=400)
    matched_lately = make_volunteer(
        oslo, approved_days_ago=400, last_matched_at=timezone.now() - timedelta(days=45)
    )

    assert part_values(referral, [half, long, matched_lately], "waiting") == [0.5, 1.0, 0.25]


def test_experience_counts_completed_matches_and_weighs_double_with_considerations(
    oslo, make_volunteer, make_referral, make_match
):
    plain = make_referral(oslo)
    special = make_referral(oslo, considerations=Consideration.HAS_CHILDREN)
    new = make_volunteer(oslo)
    one = make_volunteer(oslo)
    make_match(one, status=MatchStatus.ENDED)
    make_match(one, status=MatchStatus.CANCELLED)  # a cancelled proposal is no experience
    three = make_volunteer(oslo)
    for _ in range(3):
        make_match(three, status=MatchStatus.ENDED)

    assert part_values(plain, [new, one, three], "experience") == [0.0, 0.3333, 1.0]

    weights = MatchingWeights.current()
    refs = scoring.load_referrals([plain, special])
    effective = scoring.effective_weights(refs, weights)
    assert effective["experience"][:, 0].tolist() == [10.0, 20.0]
    assert effective["distance"][:, 0].tolist() == [25.0, 25.0]


def test_the_total_is_the_weighted_mean_of_the_parts(oslo, make_volunteer, make_referral):
    weights = MatchingWeights.current()
    assert weights == {
        "distance": 25,
        "language": 25,
        "needs": 15,
        "availability": 10,
        "age": 5,
        "waiting": 10,
        "experience": 10,
    }
    wishes = {
        "preferred_language": "en",
        "languages": ("no",),
        "needs": Strength.NETWORK | Strength.HOUSING,
        "availability": Availability.WEEKEND,
    }
    referral = make_referral(oslo, **wishes)
    special = make_referral(oslo, considerations=Consideration.HAS_CHILDREN, **wishes)
    # Drammen, a shared language only, one need of two, no common time, no age wish, 90 days.
    make_volunteer(
        oslo,
        municipality_number="3301",
        languages=("no",),
        strengths=Strength.NETWORK,
        availability=Availability.WEEKDAY_DAYTIME,
        approved_days_ago=90,
    )

    cands = scoring.load_candidates([oslo.pk])
    refs = scoring.load_referrals([referral, special])
    scores = scoring.total(scoring.parts(refs, cands), scoring.effective_weights(refs, weights))

    distance = 1 - (DRAMMEN_KM - 15) / 85
    plain = 25 * distance + 25 * 0.5 + 15 * 0.5 + 10 * 0 + 5 * 1 + 10 * 0.5 + 10 * 0
    assert scores[:, 0] == pytest.approx([100 * plain / 100, 100 * plain / 110], abs=0.05)


# --- Suggestions -------------------------------------------------------------------------------


def test_suggest_ranks_the_best_volunteer_first_and_explains_every_part(
    oslo, make_volunteer, make_referral, make_match
):
    referral = make_referral(
        oslo,
        preferred_language="ar",
        languages=("no",),
        needs=Strength.HOUSING | Strength.JOB_SEARCH,
        availability=Availability.WEEKDAY_EVENING,
        wish_age_bracket="36-45",
    )
    best = make_volunteer(
        oslo,
        first_name="Leila",
        municipality_number="3201",
        languages=("no", "ar"),
        strengths=Strength.HOUSING | Strength.JOB_SEARCH,
        availability=Availability.WEEKDAY_EVENING,
        birth_year=timezone.localdate().year - 40,
        approved_days_ago=200,
    )
    make_match(best, status=MatchStatus.ENDED)
    second = make_volunteer(oslo, first_name="Kari", municipality_number="0301", languages=("no",))
    third = make_volunteer(oslo, first_name="Mette", municipality_number="3301", languages=("pl",))

    result = scoring.suggest(referral)

    assert [s.volunteer for s in result.suggestions] == [best, second, third]
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1]
    top = result.suggestions[0]
    reasons = {part.name: part.reason for part in top.parts}
    assert [part.name for part in top.parts] == list(MatchingWeights.PARTS)
    assert reasons["distance"] == "12 km away (Bærum)"
    assert reasons["language"] == "Speaks arabic – her preferred language"
    assert reasons["needs"] == "Can help with 2 of 2 needs: job search, housing"
    assert reasons["availability"] == "Both can meet: weekday evenings"
    assert reasons["age"] == "40 years; the wish is 36–45"
    assert reasons["waiting"] == "Has waited 200 days since approval or her last match"
    assert reasons["experience"] == "1 earlier match completed"
    assert top.km == pytest.approx(BAERUM_KM, abs=0.1)
    assert {part.name: part.value for part in top.parts}["distance"] == 1.0
    others = [{part.name: part.reason for part in s.parts} for s in result.suggestions[1:]]
    assert others[0]["distance"] == "Lives in the same municipality"
    assert others[0]["language"] == "Speaks norwegian, which she also speaks"
    assert others[1]["distance"] == "36 km away (Drammen)"
    assert others[1]["language"] == "No language in common"
    assert scoring.eligible_score(referral, best) == top.score


def test_suggest_limits_the_list_and_breaks_ties_by_waiting_time(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo)
    waited_less = make_volunteer(oslo, approved_days_ago=400, first_name="A")
    waited_more = make_volunteer(oslo, approved_days_ago=500, first_name="B")
    make_volunteer(oslo, approved_days_ago=10, first_name="C")

    result = scoring.suggest(referral, limit=2)

    # Both have full waiting marks and equal scores; the one who waited longer comes first.
    assert [s.volunteer for s in result.suggestions] == [waited_more, waited_less]


@pytest.mark.parametrize("count", [3, 30])
def test_suggest_asks_the_database_the_same_number_of_questions_for_few_and_many(
    count, oslo, make_volunteer, make_referral, make_match, django_assert_num_queries
):
    made = make_referral(oslo, preferred_language="ar", languages=("no",), avoid=("3201",))
    for n in range(count):
        person = make_volunteer(
            oslo,
            languages=("no", "pl") if n % 2 else ("ar",),
            specialised=n % 3 == 0,
            municipality_number="3201" if n % 5 == 0 else "0301",
        )
        if n % 4 == 0:
            make_match(person)
        if n % 7 == 0:
            make_match(person, status=MatchStatus.CANCELLED, referral=made)
    referral = Referral.objects.select_related("municipality").get(pk=made.pk)

    # Weights; her avoid list and languages; the active courses, the volunteers, what else they
    # need (completed courses, commitments, languages, matches, the municipalities' centres and
    # her earlier pairings: one query); the volunteers suggested (what they speak is known from
    # the candidates); the volunteers excluded. The names of the needs come from the cache,
    # which holds the programme's lists once they were read (accounts/lists.py).
    NEEDS.entries()
    with django_assert_num_queries(8):
        result = scoring.suggest(referral)
        rendered = [(p.reason for p in s.parts) for s in result.suggestions]
        rendered += [e.reason for e in result.excluded]

    assert len(result.suggestions) + len(result.excluded) == count
    assert result.excluded


def test_exclusions_are_counted_without_asking_the_database_and_listed_with_one_query(
    oslo, make_volunteer, make_referral, make_match, django_assert_num_queries
):
    referral = make_referral(oslo, avoid=("3201",))
    make_volunteer(oslo, first_name="Berit", basic_course=False)
    make_volunteer(oslo, first_name="Anne", basic_course=False)
    near_abuser = make_volunteer(oslo, first_name="Cecilie", municipality_number="3201")
    make_volunteer(oslo, first_name="Dina")

    result = scoring.suggest(referral)

    with django_assert_num_queries(0):
        assert len(result.excluded) == 3
        assert result.excluded.by_rule == {scoring.RULE_COURSES: 2, scoring.RULE_AVOID: 1}
    with django_assert_num_queries(1):
        listed = [(e.volunteer.first_name, e.reason) for e in result.excluded]
    assert listed == [
        ("Anne", "Has not completed every required course"),
        ("Berit", "Has not completed every required course"),
        ("Cecilie", "Lives in a municipality to avoid"),
    ]
    assert result.excluded[2].volunteer == near_abuser


def test_a_neighbouring_association_lends_its_eligible_volunteers_but_keeps_its_exclusions(
    oslo, make_volunteer, make_referral
):
    from tests.factories import AssociationFactory

    asker = AssociationFactory(name="Asker Sanitetsforening", covers=["3203"])  # 19 km away
    referral = make_referral(oslo)
    own = make_volunteer(oslo, first_name="Oslo")
    lent = make_volunteer(asker, first_name="Asker", approved_days_ago=5)
    make_volunteer(asker, first_name="Pause", status=Status.PAUSED)

    alone = scoring.suggest(referral)
    with_neighbours = scoring.suggest(referral, neighbours_km=25)

    assert [s.volunteer for s in alone.suggestions] == [own]
    assert [(s.volunteer, s.other_association) for s in with_neighbours.suggestions] == [
        (own, False),
        (lent, True),
    ]
    assert with_neighbours.excluded == []
    assert scoring.eligible_score(referral, lent) == with_neighbours.suggestions[1].score


def test_no_volunteers_or_an_unknown_language_give_an_empty_but_working_answer(
    oslo, bergen, make_volunteer, make_referral
):
    referral = make_referral(oslo, preferred_language="xx")
    make_volunteer(bergen)

    result = scoring.suggest(referral)
    assert (result.suggestions, len(result.excluded)) == ([], 0)

    person = make_volunteer(oslo, languages=("no",))
    (suggestion,) = scoring.suggest(referral).suggestions
    assert suggestion.volunteer == person
    assert {p.name: p.value for p in suggestion.parts}["language"] == 0.0
    assert len(scoring.load_candidates([])) == 0
