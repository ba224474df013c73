"""The batch proposal: the best assignment for all waiting referrals, against taking each
referral's top choice in turn."""

import itertools
import random

import numpy as np
import pytest
from django.utils import timezone

from courses.models import Consideration
from matching import scoring
from matching.batch import batch_proposal
from matching.models import MatchingWeights, MatchStatus, ReferralStatus
from volunteers.models import Status

pytestmark = pytest.mark.django_db

NEAR_OSLO = ["0301", "3201", "3203", "3205", "3212", "3207", "3301"]


def brute_force(scores: np.ndarray, allowed: np.ndarray, free: np.ndarray) -> tuple[int, float]:
    """The best (women helped, then total score) over every way of giving the referrals
    distinct places (a volunteer has as many places as she has free) or nobody."""
    n_referrals = scores.shape[0]
    places = [v for v in range(scores.shape[1]) for _ in range(free[v])]
    slots = places + [None] * n_referrals
    best = (0, 0.0)
    for chosen in itertools.permutations(range(len(slots)), n_referrals):
        count, value = 0, 0.0
        for r, slot in enumerate(chosen):
            v = slots[slot]
            if v is None:
                continue
            if not allowed[r, v]:
                break
            count, value = count + 1, value + scores[r, v]
        else:
            best = max(best, (count, value))
    return best


def matrix(association):
    """What the batch works from: the scores, the allowed pairs and the free places."""
    referrals = list(
        association.referrals.filter(status__in=[ReferralStatus.RECEIVED])
        .select_related("municipality")
        .order_by("created_at")
    )
    cands = scoring.load_candidates([association.pk], include_paused=False)
    refs = scoring.load_referrals(referrals)
    weights = scoring.effective_weights(refs, MatchingWeights.current())
    scores = scoring.total(scoring.parts(refs, cands), weights)
    return scores, scoring.rules(refs, cands) == scoring.RULE_OK, cands


@pytest.mark.parametrize("seed", range(12))
def test_the_optimum_equals_brute_force_on_small_random_cases(
    seed, oslo, make_volunteer, make_referral, make_match
):
    rng = random.Random(seed)
    year = timezone.localdate().year
    volunteers = [
        make_volunteer(
            oslo,
            municipality_number=rng.choice(NEAR_OSLO),
            languages=tuple(rng.sample(["no", "ar", "so", "pl", "en"], rng.randint(1, 3))),
            strengths=rng.randint(0, 255),
            availability=rng.randint(1, 7),
            birth_year=year - rng.randint(25, 70),
            approved_days_ago=rng.randint(0, 300),
            specialised=rng.random() < 0.4,
            capacity=2 if v == 0 else rng.choice([1, 1, 2]),
        )
        for v in range(rng.randint(3, 6))
    ]
    make_match(volunteers[-1])  # one of her places is taken (or all of them)
    referrals = [
        make_referral(
            oslo,
            preferred_language=rng.choice(["no", "ar", "so"]),
            languages=tuple(rng.sample(["en", "pl"], rng.randint(0, 1))),
            needs=rng.randint(0, 255),
            availability=rng.randint(0, 7),
            wish_age_bracket=rng.choice(["", "26-35", "46-55"]),
            considerations=rng.choice(
                [0, 0, Consideration.HAS_CHILDREN, Consideration.HONOUR_VIOLENCE]
            ),
            avoid=tuple(rng.sample(NEAR_OSLO[1:], rng.randint(0, 2))),
        )
        for _ in range(rng.randint(3, 5))
    ]
    make_match(rng.choice(volunteers), status=MatchStatus.CANCELLED, referral=referrals[0])
    scores, allowed, cands = matrix(oslo)
    assert not allowed.all()  # some pairs are forbidden

    proposal = batch_proposal(oslo)

    expected_count, expected_total = brute_force(scores, allowed, cands.free_places)
    assert proposal.matched == expected_count
    assert proposal.total == pytest.approx(expected_total, abs=1e-6)
    assert [row.referral for row in proposal.rows] == referrals
    assert proposal.greedy_total <= proposal.total + 1e-6 or (
        proposal.greedy_matched < proposal.matched
    )
    column = {int(pk): i for i, pk in enumerate(cands.ids)}
    for r, row in enumerate(proposal.rows):
        if row.volunteer is not None:
            assert allowed[r, column[row.volunteer.pk]]
            assert row.score == round(scores[r, column[row.volunteer.pk]])
        if row.greedy_volunteer is not None:
            assert allowed[r, column[row.greedy_volunteer.pk]]
    taken = [row.volunteer.pk for row in proposal.rows if row.volunteer]
    for pk, i in column.items():
        assert taken.count(pk) <= cands.free_places[i]


def test_forbidden_pairs_are_never_proposed_even_when_they_score_best(
    oslo, make_volunteer, make_referral, make_match
):
    referral = make_referral(oslo, preferred_language="ar", avoid=("3201",))
    # Everyone except her lives where the abuser is, lacks the course, or was declined.
    near_abuser = make_volunteer(oslo, municipality_number="3201", languages=("ar",))
    declined = make_volunteer(oslo, languages=("ar",))
    make_match(declined, status=MatchStatus.CANCELLED, referral=referral)
    make_volunteer(oslo, languages=("ar",), status=Status.PAUSED)
    make_volunteer(oslo, languages=("ar",), basic_course=False)
    full = make_volunteer(oslo, languages=("ar",))
    make_match(full)
    fallback = make_volunteer(oslo, municipality_number="3301", languages=("pl",))
    untrained = make_referral(oslo, considerations=Consideration.FORCED_MARRIAGE)

    proposal = batch_proposal(oslo)

    rows = {row.referral: row for row in proposal.rows}
    assert rows[referral].volunteer == rows[referral].greedy_volunteer == fallback
    assert rows[untrained].volunteer is None and rows[untrained].greedy_volunteer is None
    assert proposal.unassigned == [untrained]
    assert near_abuser not in {row.volunteer for row in proposal.rows}


def test_where_greedy_differs_the_optimum_says_so_and_helps_more_women(
    oslo, make_volunteer, make_referral
):
    # The oldest referral likes Amal a little better than Berit; the newer one can only have
    # Amal (Berit lives where her abuser is). Greedy gives Amal to the oldest and nobody to the
    # other; the optimum gives each her own.
    oldest = make_referral(oslo, needs=0b11)
    newer = make_referral(oslo, avoid=("3212",))
    amal = make_volunteer(oslo, first_name="Amal", strengths=0b11)
    berit = make_volunteer(oslo, first_name="Berit", strengths=0b01, municipality_number="3212")

    proposal = batch_proposal(oslo)

    rows = {row.referral: row for row in proposal.rows}
    assert (rows[oldest].greedy_volunteer, rows[newer].greedy_volunteer) == (amal, None)
    assert (rows[oldest].volunteer, rows[newer].volunteer) == (berit, amal)
    assert rows[oldest].differs and rows[newer].differs
    assert (proposal.matched, proposal.greedy_matched) == (2, 1)
    assert proposal.differences == 2 and proposal.unassigned == []
    assert rows[oldest].greedy_score > rows[oldest].score


def test_where_greedy_loses_score_the_optimum_swaps(oslo, make_volunteer, make_referral):
    # Both can have either; the oldest gains little from Amal, the newer gains much (language).
    oldest = make_referral(oslo, preferred_language="no", needs=0b11)
    newer = make_referral(oslo, preferred_language="ar")
    amal = make_volunteer(oslo, first_name="Amal", languages=("no", "ar"), strengths=0b11)
    berit = make_volunteer(oslo, first_name="Berit", languages=("no",), strengths=0b01)

    proposal = batch_proposal(oslo)

    rows = {row.referral: row for row in proposal.rows}
    assert (rows[oldest].greedy_volunteer, rows[newer].greedy_volunteer) == (amal, berit)
    assert (rows[oldest].volunteer, rows[newer].volunteer) == (berit, amal)
    assert proposal.total > proposal.greedy_total
    assert proposal.total == pytest.approx(sum(row.score for row in proposal.rows), abs=1)


def test_when_greedy_is_already_optimal_nothing_differs(oslo, make_volunteer, make_referral):
    first = make_referral(oslo, preferred_language="ar")
    second = make_referral(oslo, preferred_language="so")
    arabic = make_volunteer(oslo, languages=("ar",))
    somali = make_volunteer(oslo, languages=("so",))

    proposal = batch_proposal(oslo)

    assert [(row.referral, row.volunteer) for row in proposal.rows] == [
        (first, arabic),
        (second, somali),
    ]
    assert proposal.differences == 0 and proposal.total == proposal.greedy_total


def test_capacity_is_respected(oslo, make_volunteer, make_referral, make_match):
    star = make_volunteer(oslo, first_name="Stjerne", capacity=2, languages=("ar",))
    one_left = make_volunteer(oslo, first_name="Ledig", capacity=2, languages=("ar",))
    make_match(one_left)
    for _ in range(4):
        make_referral(oslo, preferred_language="ar")

    proposal = batch_proposal(oslo)

    for assigned in (
        [row.volunteer for row in proposal.rows],
        [row.greedy_volunteer for row in proposal.rows],
    ):
        assert assigned.count(star) == 2 and assigned.count(one_left) == 1
        assert assigned.count(None) == 1
    assert len(proposal.unassigned) == 1


def test_only_waiting_referrals_of_the_association_take_part(
    oslo, bergen, make_volunteer, make_referral
):
    waiting = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    make_referral(oslo, status=ReferralStatus.MATCH_PROPOSED)
    in_bergen = make_referral(bergen, municipality_number="4601")
    oslo_volunteer = make_volunteer(oslo)

    assert [(row.referral, row.volunteer) for row in batch_proposal(oslo).rows] == [
        (waiting, oslo_volunteer)
    ]
    # Bergen has no volunteers yet: Oslo's are not offered to its referral.
    bergen_proposal = batch_proposal(bergen)
    assert [(row.referral, row.volunteer) for row in bergen_proposal.rows] == [(in_bergen, None)]
    assert bergen_proposal.unassigned == [in_bergen] and bergen_proposal.total == 0


@pytest.mark.parametrize("referrals", [2, 10])
def test_the_batch_asks_the_database_the_same_number_of_questions_for_few_and_many(
    referrals, oslo, make_volunteer, make_referral, make_match, django_assert_num_queries
):
    for n in range(referrals):
        make_referral(oslo, avoid=("3201",) if n % 3 == 0 else (), languages=("ar",))
    for n in range(referrals + 2):
        person = make_volunteer(oslo, specialised=n % 2 == 0, municipality_number=NEAR_OSLO[n % 4])
        if n % 3 == 0:
            make_match(person)

    # Weights, the waiting referrals, their avoid lists and languages, the active courses, the
    # volunteers, what else they need (completed courses, commitments, languages, matches, the
    # municipalities' centres and the referrals' earlier pairings: one query), and the
    # volunteers proposed.
    with django_assert_num_queries(8):
        proposal = batch_proposal(oslo)
        names = [
            (row.volunteer.full_name, row.volunteer.municipality.name)
            for row in proposal.rows
            if row.volunteer
        ]

    assert len(proposal.rows) == referrals and names
