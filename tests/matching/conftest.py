"""Volunteers who may be matched, referrals and earlier matches for the matching tests.

A volunteer is matchable when she is approved, has attended a held session of every course
required for matching (the data migration puts the basic course in every database), and has
an open commitment period running today.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from courses.models import Course, Enrolment, EnrolmentStatus, Session
from matching.models import Match, MatchStatus, Referral, ReferralLanguage, ReferralStatus
from tests.factories import municipality, volunteer
from volunteers.models import CommitmentPeriod, Status

SPECIALISATION = "Fordypningskurs: æresrelatert vold og negativ sosial kontroll"


def held_session(association, course: Course) -> Session:
    """A session of `course` that was held a week ago (so attending it completes the course)."""
    day = timezone.localdate() - timedelta(days=7)
    return Session.objects.create(
        course=course,
        association=association,
        starts_at=timezone.make_aware(datetime.combine(day, time(17))),
        ends_at=timezone.make_aware(datetime.combine(day, time(21))),
        place="Lokalet",
        capacity=100,
    )


@pytest.fixture
def make_volunteer(db):
    """make_volunteer(association, **fields): an approved ressursvenn who may be matched.

    Turn one condition off to test its rule: basic_course=False, commitment=False,
    status="paused"; commitment_ends sets when her year ends (by default after the planned year
    of a match proposed today); specialised=True gives her the
    specialisation course; approved_days_ago sets her waiting time. She lives in Oslo when her
    association covers it.
    """
    sessions: dict[tuple[int, int], Session] = {}

    def attend(person, course: Course) -> None:
        key = (person.association_id, course.pk)
        if key not in sessions:
            sessions[key] = held_session(person.association, course)
        Enrolment.objects.create(
            session=sessions[key], volunteer=person, status=EnrolmentStatus.ATTENDED
        )

    def make(
        association,
        *,
        status: str = Status.APPROVED,
        basic_course: bool = True,
        specialised: bool = False,
        commitment: bool = True,
        commitment_ends=None,
        approved_days_ago: int = 30,
        municipality_number: str | None = None,
        **fields,
    ):
        today = timezone.localdate()
        if municipality_number is None and association.municipalities.filter(number="0301"):
            municipality_number = "0301"  # where the referrals live unless a test says otherwise
        person = volunteer(
            association,
            status=status,
            municipality_number=municipality_number,
            approved_at=timezone.now() - timedelta(days=approved_days_ago),
            **fields,
        )
        if basic_course:
            for course in Course.objects.filter(required_for_matching=True):
                attend(person, course)
        if specialised:
            attend(person, Course.objects.get(title=SPECIALISATION))
        if commitment:
            CommitmentPeriod.objects.create(
                volunteer=person,
                starts_on=today - timedelta(days=approved_days_ago),
                ends_on=commitment_ends or today + timedelta(days=400),
            )
        return person

    return make


@pytest.fixture
def make_referral(oslo_shelter, shelter_worker_oslo):
    """make_referral(association, **fields): a waiting referral from the Oslo shelter.

    municipality_number is where she will live (Oslo unless told); languages are the ones she
    speaks besides her preferred language; avoid lists municipality numbers; days_ago sets
    when she was referred (the batch takes the oldest first).
    """
    count = 0

    def make(
        association,
        *,
        municipality_number: str = "0301",
        preferred_language: str = "no",
        languages: tuple[str, ...] = (),
        avoid: tuple[str, ...] = (),
        days_ago: float | None = None,
        **fields,
    ) -> Referral:
        nonlocal count
        count += 1
        values = {
            "alias": f"Kvinne {count}",
            "age_bracket": "26-35",
            "status": ReferralStatus.RECEIVED,
            # Oldest first in the order they are made, unless a test says otherwise.
            "created_at": timezone.now()
            - timedelta(days=100 - count if days_ago is None else days_ago),
            **fields,
        }
        referral = Referral.objects.create(
            shelter=oslo_shelter,
            association=association,
            municipality=municipality(municipality_number),
            preferred_language=preferred_language,
            consent_on=timezone.localdate(),
            consent_recorded_by=shelter_worker_oslo,
            created_by=shelter_worker_oslo,
            **values,
        )
        codes = dict.fromkeys([preferred_language, *languages])
        ReferralLanguage.objects.bulk_create(
            [ReferralLanguage(referral=referral, code=code) for code in codes]
        )
        if avoid:
            referral.avoid_municipalities.set([municipality(n) for n in avoid])
        return referral

    return make


@pytest.fixture
def make_match(make_referral):
    """make_match(volunteer, status=..., referral=None): a match of hers (an ended one has its
    outcome, as the database requires)."""

    def make(person, *, status: str = MatchStatus.ACTIVE, referral: Referral | None = None):
        if referral is None:
            referral = make_referral(person.association, status=ReferralStatus.ACTIVE)
        extra = {"outcome_moved_back": "no"} if status == MatchStatus.ENDED else {}
        if status not in (MatchStatus.PROPOSED, MatchStatus.CANCELLED):
            extra["conflict_checked_at"] = timezone.now()  # she confirmed it before it went on
        return Match.objects.create(referral=referral, volunteer=person, status=status, **extra)

    return make


@pytest.fixture
def coordinator(client, coordinator_oslo):
    """The Oslo coordinator, logged in."""
    from tests.conftest import login

    login(client, coordinator_oslo)
    return coordinator_oslo
