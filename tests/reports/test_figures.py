"""The figures of the fixed data set (tests/reports/conftest.py), worked out by hand.

They run on SQLite here and on PostgreSQL in CI: the medians and percentiles must agree.
"""

from datetime import date

import pytest
from django.db.models import Q

from matching.models import Meeting
from reports.expressions import Percentile
from reports.figures import collect
from reports.periods import Period
from tests.matching.conftest import make_referral  # noqa: F401 (fixture)
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


def test_the_volunteer_figures_of_oslo(dataset):
    row = collect(PERIOD, [dataset.oslo.pk]).rows[dataset.oslo.pk]
    # Applied in 2025: V1, V2, V3, V4, V5, V6, V9, V10, V12.
    assert row["applied"] == 9
    # Screening started: all but V5 (still applied) and V12 (ended without an interview).
    assert row["reached_screening"] == 7
    # Basic course completed (attended a held session) or approved: V1, V2, V3, V10.
    assert row["reached_course"] == 4
    # Approved by now: V1, V2 and V10 (approved in 2026).
    assert row["reached_approval"] == 3
    assert [row[k] for k in ("funnel_application", "funnel_screening")] == [2, 3]
    assert [row[k] for k in ("funnel_course", "funnel_approved")] == [1, 3]
    # Approved in the period: V1 after 30 days, V2 after 40.
    assert row["approved"] == 2
    assert row["approval_days_median"] == 35
    # Status on 31.12.2025. V8 left in 2024 and is not counted; V9 and V10 changed later.
    assert {k.removeprefix("status_"): row[k] for k in row if k.startswith("status_")} == {
        "applied": 1,  # V5
        "screening": 2,  # V4, V9 (course stage only in 2026)
        "course": 2,  # V3, V10 (approved only in 2026)
        "approved": 3,  # V1, V2, V11
        "paused": 1,  # V7
        "ended": 1,  # V12
        "rejected": 1,  # V6
    }
    assert row["pipeline_total"] == 11


def test_the_course_and_commitment_figures_of_oslo(dataset):
    row = collect(PERIOD, [dataset.oslo.pk]).rows[dataset.oslo.pk]
    # One session held (the September one was cancelled, the January 2026 one is later).
    assert (row["sessions_held"], row["seats_offered"], row["seats_filled"]) == (1, 10, 5)
    assert (row["attended"], row["absent"], row["unregistered"]) == (3, 1, 1)
    # Commitments ended in 2025: V11's renewed, V7's for her health.
    assert row["commitments_ended"] == 2
    assert (row["commitment_renewed"], row["commitment_health"]) == (1, 1)


def test_the_referral_figures_of_oslo(dataset):
    row = collect(PERIOD, [dataset.oslo.pk]).rows[dataset.oslo.pk]
    # Received in 2025: R1, R2, R3, R4, R5, R6, R8 (R7 came in 2024).
    assert row["received"] == 7
    # By 31.12: active match for R1, R2, R3; R4 and R5 withdrawn; R6 and R8 (started 2026)
    # still waiting.
    assert [row[k] for k in ("received_matched", "received_withdrawn", "received_waiting")] == [
        3,
        2,
        2,
    ]
    assert (row["withdrawn_before_proposal"], row["withdrawn_after_proposal"]) == (1, 1)
    assert (row["cancelled"], row["cancelled_volunteer_declined"]) == (2, 1)
    assert row["cancelled_woman_declined"] == 1
    # Days to the first proposal: R1 10, R2 10 (the cancelled one was first), R3 30, R5 20,
    # R8 9. Sorted 9, 10, 10, 20, 30: median 10; 90th percentile at rank 3.6: 20 + 0.6 × 10.
    assert row["first_proposals"] == 5
    assert row["proposal_days_median"] == 10
    assert row["proposal_days_p90"] == pytest.approx(26)
    # Days to an active match: R1 22, R2 46, R3 40: median 40; p90 at rank 1.8: 40 + 0.8 × 6.
    assert row["start_days_median"] == 40
    assert row["start_days_p90"] == pytest.approx(44.8)


def test_the_match_figures_of_oslo(dataset):
    row = collect(PERIOD, [dataset.oslo.pk]).rows[dataset.oslo.pk]
    assert row["proposed"] == 6  # M1, M2a, M2b, M3, M5, M8
    assert row["started"] == 3  # M1, M2b, M3
    assert row["active_end"] == 1  # M3
    assert row["active_during"] == 4  # M1, M2b, M3, M7
    assert row["ended"] == 3  # M1, M2b, M7
    assert [row[k] for k in ("outcome_no", "outcome_yes", "outcome_unknown")] == [1, 1, 1]
    assert [row[k] for k in ("end_year_over", "end_broke_off", "end_moved")] == [1, 1, 1]
    # Lengths 302 (M1), 183 (M2b) and 120 days (M7).
    assert row["length_days_median"] == 183
    # Days running in 2025: M1 303, M2b 184, M3 205, M7 60.
    assert row["match_days"] == 752
    # Met in 2025: M1 three times (the fourth was an attempt), M3 twice, M7 once.
    assert row["meetings"] == 6
    # Concerns raised in 2025: followed up after 10 hours, after 48 hours, not yet.
    assert row["concerns"] == 3
    assert [row[k] for k in ("concern_within_24h", "concern_later", "concern_open")] == [1, 1, 1]
    assert row["concern_hours_median"] == pytest.approx(29)


def test_the_monthly_and_shelter_figures_of_oslo(dataset):
    figures = collect(PERIOD, [dataset.oslo.pk], withdrawal_reasons=True)
    assert figures.monthly["referrals"] == {
        date(2025, month, 1): 1 for month in (1, 3, 5, 6, 8, 11, 12)
    }
    assert figures.monthly["matches"] == {date(2025, month, 1): 1 for month in (2, 4, 6)}
    assert figures.by_shelter == [("Oslo krisesenter", 5), ("Sør-Øst krisesenter", 2)]
    assert sorted(figures.withdrawal_reasons) == [
        ("HEMMELIG-GRUNN flyttet til Tromsø", 1),
        ("Ønsket ikke en ressursvenn", 1),
    ]


def test_national_figures_add_up_and_have_their_own_medians(dataset):
    figures = collect(PERIOD, [dataset.oslo.pk, dataset.bergen.pk], national=True)
    bergen = figures.rows[dataset.bergen.pk]
    assert (bergen["applied"], bergen["approved"], bergen["received"]) == (6, 6, 12)
    assert (bergen["ended"], bergen["outcome_no"], bergen["outcome_yes"]) == (12, 10, 2)
    totals = figures.totals
    assert (totals["applied"], totals["received"], totals["ended"]) == (15, 19, 15)
    assert (totals["outcome_no"], totals["outcome_yes"], totals["outcome_unknown"]) == (11, 3, 1)
    # Approval: Oslo 30 and 40 days, Bergen 241, 210, 182, 151, 121 and 90: median of eight.
    assert totals["approval_days_median"] == (121 + 151) / 2
    # First proposals: Bergen twelve times 4 days, Oslo 9, 10, 10, 20, 30.
    assert totals["proposal_days_median"] == 4
    assert totals["proposal_days_p90"] == pytest.approx(10 + 0.4 * 10)
    # Active matches: Bergen twelve times 9 days, Oslo 22, 40, 46.
    assert totals["start_days_median"] == 9
    assert totals["start_days_p90"] == pytest.approx(22 + 0.6 * 18)
    assert figures.monthly["referrals"][date(2025, 1, 1)] == 1 + 2


def test_a_period_with_nothing_in_it_gives_zeros_and_no_medians(dataset):
    row = collect(Period(date(2016, 1, 1), date(2016, 12, 31)), [dataset.oslo.pk]).rows[
        dataset.oslo.pk
    ]
    assert row["applied"] == row["received"] == row["ended"] == row["match_days"] == 0
    assert row["approval_days_median"] is None and row["proposal_days_p90"] is None


def test_the_percentile_interpolates_like_percentile_cont(dataset):
    Meeting.objects.all().delete()
    for minutes in (1, 2, 3, 4, 10):
        Meeting.objects.create(match=dataset.m3, date=date(2025, 7, 1), minutes=minutes)
    result = Meeting.objects.aggregate(
        median=Percentile("minutes", 0.5),
        p90=Percentile("minutes", 0.9),
        smallest=Percentile("minutes", 0),
        over_three=Percentile("minutes", 0.5, filter=Q(minutes__gt=3)),
        none=Percentile("minutes", 0.5, filter=Q(minutes__gt=100)),
    )
    assert result == {
        "median": 3,
        "p90": pytest.approx(4 + 0.6 * 6),
        "smallest": 1,
        "over_three": 7,
        "none": None,
    }


def test_a_percentile_must_be_a_fraction():
    with pytest.raises(ValueError):
        Percentile("minutes", 90)


def test_the_same_withdrawal_reason_is_counted_together_though_each_is_encrypted_apart(
    oslo, make_referral
):
    from reports.figures import withdrawal_reason_figures

    for reason in ("Flyttet", "Flyttet ", "Flyttet", "Ønsket ikke"):
        referral = make_referral(oslo, status="withdrawn", withdrawn_reason=reason)
        referral.closed_at = referral.created_at
        referral.save(update_fields=["closed_at"])
    period = Period(date(2000, 1, 1), date(2100, 1, 1))
    assert withdrawal_reason_figures(period, [oslo.pk]) == [("Flyttet", 3), ("Ønsket ikke", 1)]
