"""A small fixed data set whose figures are worked out by hand in the tests.

The period is 2025 (1 January – 31 December, Europe/Oslo). Oslo has a little of everything,
including things just outside the period; Bergen a few applications and matches, so that the
national figures have two associations to add up and suppress.
"""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from courses.models import Course, CourseKind, Enrolment, EnrolmentStatus, Session
from matching.models import (
    AgeBracket,
    CancelReason,
    Concern,
    EndReason,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    Referral,
    ReferralStatus,
    YesNoUnknown,
)
from reports.periods import Period
from tests.factories import ShelterFactory, UserFactory, municipality, volunteer
from volunteers.models import CommitmentPeriod, Status
from volunteers.models import EndReason as CommitmentEnd

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
PERIOD_QUERY = "periode=custom&fra=2025-01-01&til=2025-12-31"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A moment in Europe/Oslo."""
    return timezone.make_aware(datetime.combine(date(year, month, day), time(hour)))


def applicant(association, applied, *, status=Status.APPLIED, changed=None, **fields):
    return volunteer(
        association,
        status=status,
        applied_at=applied,
        last_applied_at=applied,
        status_changed_at=changed or fields.get("approved_at") or applied,
        **fields,
    )


class Data:
    """What the tests need to refer to."""


@pytest.fixture
def dataset(oslo, bergen, oslo_shelter, coordinator_oslo):
    data = Data()
    data.oslo, data.bergen = oslo, bergen
    follo = ShelterFactory(name="Sør-Øst krisesenter")
    bergen_shelter = ShelterFactory(name="Bergen krisesenter", municipality=municipality("4601"))
    staff = UserFactory(email="ansatt@krisesenter.example")

    # --- Oslo volunteers -------------------------------------------------------------------
    v1 = applicant(
        oslo,
        at(2025, 2, 1),
        status=Status.APPROVED,
        approved_at=at(2025, 3, 3),
        interview_on=date(2025, 2, 10),
    )
    v2 = applicant(oslo, at(2025, 3, 1), status=Status.APPROVED, approved_at=at(2025, 4, 10))
    v3 = applicant(
        oslo,
        at(2025, 4, 1),
        status=Status.COURSE,
        changed=at(2025, 5, 1),
        interview_on=date(2025, 4, 10),
    )
    v4 = applicant(oslo, at(2025, 5, 1), status=Status.SCREENING, changed=at(2025, 5, 5))
    applicant(oslo, at(2025, 6, 1))  # V5: still applied
    applicant(  # V6: interviewed, then rejected in the period
        oslo,
        at(2025, 7, 1),
        status=Status.REJECTED,
        changed=at(2025, 7, 20),
        interview_on=date(2025, 7, 10),
    )
    v7 = applicant(  # approved before the period, paused in it
        oslo,
        at(2024, 6, 1),
        status=Status.PAUSED,
        approved_at=at(2024, 8, 1),
        changed=at(2025, 9, 1),
    )
    applicant(oslo, at(2024, 1, 1), status=Status.ENDED, changed=at(2024, 12, 1))  # V8: gone
    v9 = applicant(  # to the course stage after the period: in screening at its end
        oslo, at(2025, 11, 1), status=Status.COURSE, changed=at(2026, 1, 15)
    )
    v10 = applicant(  # approved after the period: at the course stage at its end
        oslo, at(2025, 10, 1), status=Status.APPROVED, approved_at=at(2026, 2, 1)
    )
    v11 = applicant(oslo, at(2024, 3, 1), status=Status.APPROVED, approved_at=at(2024, 5, 1))
    applicant(oslo, at(2025, 8, 1), status=Status.ENDED, changed=at(2025, 12, 1))  # V12

    basic = Course.objects.filter(kind=CourseKind.BASIC).first()

    def session(day: date, capacity: int, **fields) -> Session:
        return Session.objects.create(
            course=basic,
            association=oslo,
            starts_at=at(day.year, day.month, day.day, 17),
            ends_at=at(day.year, day.month, day.day, 21),
            place="Lokalet",
            capacity=capacity,
            **fields,
        )

    s1 = session(date(2025, 2, 20), 10)
    for person, status in [
        (v1, EnrolmentStatus.ATTENDED),
        (v2, EnrolmentStatus.ATTENDED),
        (v3, EnrolmentStatus.ATTENDED),
        (v4, EnrolmentStatus.ABSENT),
        (v9, EnrolmentStatus.ENROLLED),
    ]:
        Enrolment.objects.create(session=s1, volunteer=person, status=status)
    session(date(2025, 9, 10), 8, cancelled_at=at(2025, 9, 1))
    s3 = session(date(2026, 1, 10), 10)
    Enrolment.objects.create(session=s3, volunteer=v10, status=EnrolmentStatus.ATTENDED)

    CommitmentPeriod.objects.create(
        volunteer=v1, starts_on=date(2025, 3, 3), ends_on=date(2026, 3, 3)
    )
    CommitmentPeriod.objects.create(
        volunteer=v11,
        starts_on=date(2024, 5, 1),
        ends_on=date(2025, 5, 1),
        ended_on=date(2025, 5, 1),
        end_reason=CommitmentEnd.RENEWED,
    )
    CommitmentPeriod.objects.create(
        volunteer=v11, starts_on=date(2025, 5, 1), ends_on=date(2026, 5, 1)
    )
    CommitmentPeriod.objects.create(
        volunteer=v7,
        starts_on=date(2024, 8, 1),
        ends_on=date(2025, 8, 1),
        ended_on=date(2025, 6, 1),
        end_reason=CommitmentEnd.HEALTH,
    )

    # --- Oslo referrals and matches --------------------------------------------------------
    def referral(association, shelter, created, alias, **fields) -> Referral:
        return Referral.objects.create(
            association=association,
            shelter=shelter,
            created_at=created,
            alias=alias,
            age_bracket=AgeBracket.AGE_26_35,
            municipality=municipality("0301" if association == oslo else "4601"),
            preferred_language="no",
            consent_on=created.date(),
            consent_recorded_by=staff,
            **fields,
        )

    def match(ref, person, proposed, **fields) -> Match:
        return Match.objects.create(referral=ref, volunteer=person, proposed_at=proposed, **fields)

    ended = {"status": MatchStatus.ENDED}
    r1 = referral(oslo, oslo_shelter, at(2025, 1, 10), "Amal", status=ReferralStatus.ENDED)
    data.m1 = match(
        r1,
        v1,
        at(2025, 1, 20),
        started_on=date(2025, 2, 1),
        ended_on=date(2025, 11, 30),
        outcome_moved_back=YesNoUnknown.NO,
        end_reason=EndReason.YEAR_OVER,
        **ended,
    )
    r2 = referral(oslo, oslo_shelter, at(2025, 3, 5), "Berit", status=ReferralStatus.ENDED)
    m2a = match(
        r2,
        v2,
        at(2025, 3, 15),
        status=MatchStatus.CANCELLED,
        cancel_reason=CancelReason.VOLUNTEER_DECLINED,
    )
    MatchEvent.objects.create(match=m2a, status=MatchStatus.CANCELLED, at=at(2025, 3, 20))
    match(
        r2,
        v11,
        at(2025, 4, 4),
        started_on=date(2025, 4, 20),
        ended_on=date(2025, 10, 20),
        outcome_moved_back=YesNoUnknown.YES,
        end_reason=EndReason.BROKE_OFF,
        **ended,
    )
    r3 = referral(oslo, follo, at(2025, 5, 1), "Cecilie", status=ReferralStatus.ACTIVE)
    data.m3 = match(
        r3, v2, at(2025, 5, 31), status=MatchStatus.ACTIVE, started_on=date(2025, 6, 10)
    )
    referral(
        oslo,
        oslo_shelter,
        at(2025, 6, 15),
        "Dina",
        status=ReferralStatus.WITHDRAWN,
        closed_at=at(2025, 7, 1),
        withdrawn_reason="HEMMELIG-GRUNN flyttet til Tromsø",
    )
    r5 = referral(
        oslo,
        follo,
        at(2025, 8, 1),
        "Eva",
        status=ReferralStatus.WITHDRAWN,
        closed_at=at(2025, 9, 1),
        withdrawn_reason="Ønsket ikke en ressursvenn",
    )
    m5 = match(
        r5,
        v11,
        at(2025, 8, 21),
        status=MatchStatus.CANCELLED,
        cancel_reason=CancelReason.WOMAN_DECLINED,
    )
    MatchEvent.objects.create(match=m5, status=MatchStatus.CANCELLED, at=at(2025, 8, 25))
    referral(oslo, oslo_shelter, at(2025, 11, 20), "Fatima")  # still waiting
    r7 = referral(oslo, oslo_shelter, at(2024, 10, 1), "Gro", status=ReferralStatus.ENDED)
    data.m7 = match(
        r7,
        v7,
        at(2024, 10, 10),
        started_on=date(2024, 11, 1),
        ended_on=date(2025, 3, 1),
        outcome_moved_back=YesNoUnknown.UNKNOWN,
        end_reason=EndReason.MOVED,
        **ended,
    )
    r8 = referral(oslo, oslo_shelter, at(2025, 12, 1), "Hanna", status=ReferralStatus.ACTIVE)
    match(r8, v10, at(2025, 12, 10), status=MatchStatus.ACTIVE, started_on=date(2026, 1, 5))

    for day, met in [
        (date(2025, 2, 8), True),
        (date(2025, 2, 15), True),
        (date(2025, 3, 1), True),
        (date(2025, 3, 8), False),
    ]:
        Meeting.objects.create(match=data.m1, date=day, met=met)
    for day in (date(2025, 6, 20), date(2025, 7, 1)):
        Meeting.objects.create(match=data.m3, date=day)
    Meeting.objects.create(match=data.m7, date=date(2024, 12, 15))
    Meeting.objects.create(match=data.m7, date=date(2025, 2, 10))

    Concern.objects.create(
        match=data.m1, text="x", raised_at=at(2025, 3, 1), followed_up_at=at(2025, 3, 1, 20)
    )
    Concern.objects.create(
        match=data.m3, text="x", raised_at=at(2025, 7, 1), followed_up_at=at(2025, 7, 3)
    )
    Concern.objects.create(match=data.m3, text="x", raised_at=at(2025, 12, 20))
    Concern.objects.create(
        match=data.m7, text="x", raised_at=at(2024, 12, 1), followed_up_at=at(2024, 12, 2)
    )

    # --- Bergen ----------------------------------------------------------------------------
    bergen_volunteers = [
        applicant(bergen, at(2025, month, 3), status=Status.APPROVED, approved_at=at(2025, 9, 1))
        for month in (1, 2, 3, 4, 5, 6)
    ]
    for n in range(12):
        ref = referral(
            bergen,
            bergen_shelter,
            at(2025, 1 + n % 6, 1 + n),
            f"Ida{n}",
            status=ReferralStatus.ENDED,
        )
        match(
            ref,
            bergen_volunteers[n % 6],
            at(2025, 1 + n % 6, 5 + n),
            started_on=date(2025, 1 + n % 6, 10 + n),
            ended_on=date(2025, 8 + n % 4, 1),
            outcome_moved_back=YesNoUnknown.NO if n < 10 else YesNoUnknown.YES,
            end_reason=EndReason.YEAR_OVER,
            **ended,
        )
    return data


@pytest.fixture
def grow(dataset):
    """grow(n): n more associations with a little of everything in 2025 (an approved
    volunteer, a referral whose match started, ended and met once, a concern), and as much
    again in Oslo, so that the national tables and the coordinator's own lists both grow."""
    shelter = ShelterFactory(name="Vekst krisesenter")
    staff = UserFactory(email="vekst@krisesenter.example")
    made = 0

    def add(association, n: int) -> None:
        person = applicant(
            association, at(2025, 2, 1), status=Status.APPROVED, approved_at=at(2025, 3, 1)
        )
        ref = Referral.objects.create(
            association=association,
            shelter=shelter,
            created_at=at(2025, 1 + n % 12, 1),
            alias=f"Vekst{n}",
            age_bracket=AgeBracket.AGE_26_35,
            municipality=municipality("0301"),
            preferred_language="no",
            consent_on=date(2025, 1, 1),
            consent_recorded_by=staff,
            status=ReferralStatus.ENDED,
        )
        met = Match.objects.create(
            referral=ref,
            volunteer=person,
            proposed_at=at(2025, 1 + n % 12, 5),
            status=MatchStatus.ENDED,
            started_on=date(2025, 1 + n % 12, 10),
            ended_on=date(2025, 12, 1),
            outcome_moved_back=YesNoUnknown.NO,
            end_reason=EndReason.YEAR_OVER,
        )
        Meeting.objects.create(match=met, date=date(2025, 12, 1))
        Concern.objects.create(match=met, text="x", raised_at=at(2025, 12, 1))

    def grow(n: int) -> None:
        nonlocal made
        from tests.factories import AssociationFactory

        for _ in range(n):
            made += 1
            add(AssociationFactory(name=f"Vekst Sanitetsforening {made:03d}"), made)
            add(dataset.oslo, made)

    return grow


@pytest.fixture
def english(client):
    """Pages in English, so assertions read the msgids."""
    client.cookies["rv_language"] = "en"
    return client
