"""The batch proposal: every waiting referral of an association against its volunteers at once.

The proposal is the assignment with the best total score that the hard rules and the
volunteers' free places allow (an optimal assignment), shown beside what taking each
referral's top choice in turn, oldest referral first, would give (greedy). Nothing is matched
here: the coordinator accepts the rows she agrees with, one by one, through match_propose().

The optimum first helps as many women as the rules allow, then has the best total score: a
forbidden pair carries a large negative score, so the solver only "uses" one when no allowed
assignment exists, and such a pair is dropped afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils import timezone
from scipy.optimize import linear_sum_assignment

from accounts.models import Association
from matching import scoring
from matching.models import WAITING, MatchingWeights, Referral
from volunteers.models import Volunteer

# Far below any sum of real scores (each 0–100, so a sum stays under 1e6 for 10,000 referrals):
# the solver avoids a forbidden pair whenever an allowed assignment of the same size exists.
FORBIDDEN = -1e9
# Totals closer than this are equal (floating point noise, not a better assignment).
EPSILON = 1e-6


@dataclass
class BatchRow:
    """One waiting referral: the optimal volunteer and the greedy one (None: nobody)."""

    referral: Referral
    volunteer: Volunteer | None
    score: int | None
    greedy_volunteer: Volunteer | None
    greedy_score: int | None

    @property
    def differs(self) -> bool:
        """The optimum gives her someone other than her top choice in turn would."""
        return _pk(self.volunteer) != _pk(self.greedy_volunteer)


def _pk(volunteer: Volunteer | None) -> int | None:
    return volunteer.pk if volunteer is not None else None


@dataclass
class BatchProposal:
    rows: list[BatchRow]
    total: float
    greedy_total: float
    weights: dict[str, int]

    @property
    def unassigned(self) -> list[Referral]:
        """The referrals the optimum leaves without anyone (no eligible volunteer is free)."""
        return [row.referral for row in self.rows if row.volunteer is None]

    @property
    def matched(self) -> int:
        return sum(row.volunteer is not None for row in self.rows)

    @property
    def greedy_matched(self) -> int:
        return sum(row.greedy_volunteer is not None for row in self.rows)

    @property
    def differences(self) -> int:
        return sum(row.differs for row in self.rows)


def waiting_referrals(association: Association) -> list[Referral]:
    """The association's referrals waiting for a volunteer, oldest first, with their
    municipality; without her phone, wishes and safety notes (the proposal needs none of them,
    and there is no reason to decrypt them for it)."""
    return list(
        Referral.objects.filter(association=association, status__in=WAITING)
        .select_related("municipality")
        .defer("phone", "wishes", "safety_notes")
        .order_by("created_at", "pk")
    )


def batch_proposal(association: Association, *, today: date | None = None) -> BatchProposal:
    """The optimal assignment of the association's free volunteers to its waiting referrals,
    compared row by row with the greedy one. Reads only; a fixed number of queries. The
    volunteers in the rows come with their municipality, without their phone and long texts."""
    today = today or timezone.localdate()
    weights = MatchingWeights.current()
    referrals = waiting_referrals(association)
    refs = scoring.load_referrals(referrals, earlier=False)
    cands = scoring.load_candidates(
        [association.pk],
        include_paused=False,
        today=today,
        language_codes=refs.language_codes,
        also=[scoring.earlier_pairings(referrals)],
    )
    refs.set_earlier(cands.also[0])
    scores = scoring.total(scoring.parts(refs, cands), scoring.effective_weights(refs, weights))
    allowed = scoring.rules(refs, cands) == scoring.RULE_OK

    optimal = optimal_assignment(scores, allowed, cands.free_places)
    greedy = greedy_assignment(scores, allowed, cands.free_places, tie_rank(cands))
    optimal_total, greedy_total = _value(scores, optimal), _value(scores, greedy)
    if _count(greedy) == _count(optimal) and greedy_total >= optimal_total - EPSILON:
        # Greedy is optimal too: show it, so that only real improvements count as differences.
        optimal, optimal_total = greedy, greedy_total

    wanted = {int(cands.ids[i]) for i in (*optimal, *greedy) if i >= 0}
    volunteers = (
        Volunteer.objects.select_related("municipality")
        .defer(*scoring.LIST_DEFERRED)
        .in_bulk(wanted)
    )

    def person(i: int) -> Volunteer | None:
        return volunteers[int(cands.ids[i])] if i >= 0 else None

    def score(r: int, i: int) -> int | None:
        return round(float(scores[r, i])) if i >= 0 else None

    rows = [
        BatchRow(
            referral=referral,
            volunteer=person(optimal[r]),
            score=score(r, optimal[r]),
            greedy_volunteer=person(greedy[r]),
            greedy_score=score(r, greedy[r]),
        )
        for r, referral in enumerate(referrals)
    ]
    return BatchProposal(rows=rows, total=optimal_total, greedy_total=greedy_total, weights=weights)


def _count(assignment: np.ndarray) -> int:
    return int((assignment >= 0).sum())


def _value(scores: np.ndarray, assignment: np.ndarray) -> float:
    rows = np.flatnonzero(assignment >= 0)
    return float(scores[rows, assignment[rows]].sum())


def tie_rank(cands: scoring.Candidates) -> np.ndarray:
    """Equal scores: the one who has waited longest first, then the lowest id (as suggest())."""
    order = np.lexsort((cands.ids, -cands.waiting_days))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def optimal_assignment(
    scores: np.ndarray, allowed: np.ndarray, free_places: np.ndarray
) -> np.ndarray:
    """For each row (referral), the column (volunteer) of an optimal assignment, or -1.

    A volunteer is repeated once per free place. Maximises first the number of rows assigned,
    then the total score.
    """
    result = np.full(scores.shape[0], -1, dtype=np.int64)
    usable = np.flatnonzero((free_places > 0) & allowed.any(axis=0))
    if not len(result) or not len(usable):
        return result
    places = np.repeat(usable, free_places[usable])
    matrix = np.where(allowed[:, places], scores[:, places], FORBIDDEN)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    chosen = places[cols]
    ok = allowed[rows, chosen]
    result[rows[ok]] = chosen[ok]
    return result


def greedy_assignment(
    scores: np.ndarray, allowed: np.ndarray, free_places: np.ndarray, tie_rank: np.ndarray
) -> np.ndarray:
    """Each row in turn (the rows are oldest referral first) takes its best allowed volunteer
    who still has a free place; -1 when there is none."""
    n_rows = scores.shape[0]
    result = np.full(n_rows, -1, dtype=np.int64)
    free = free_places.copy()
    for r in range(n_rows):
        open_ = np.flatnonzero(allowed[r] & (free > 0))
        if not len(open_):
            continue
        row = scores[r, open_]
        tied = open_[row >= row.max()]
        choice = tied[np.argmin(tie_rank[tied])]
        result[r] = choice
        free[choice] -= 1
    return result
