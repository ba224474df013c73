"""Fill the benchmark database quickly (bulk_create) with a realistic spread of data.

Four associations around Oslo, Bergen, Trondheim and Stavanger, each covering the 20
municipalities nearest its city, with 5,263 volunteers each (5 % paused, about 20,000
approved in all): languages, an open commitment, the basic course attended, some with the
specialisation course, capacities of 1–3, open and ended matches. The first association also
gets the waiting referrals of the batch case, some with an avoid list, special considerations
and an earlier cancelled pairing. Seeded, so every run builds the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.geo import haversine_km
from accounts.languages import COMMON
from accounts.models import Association, Coverage, Municipality, Shelter, User
from courses.models import Consideration, Course, Enrolment, EnrolmentStatus, Session
from matching.models import (
    AgeBracket,
    CancelReason,
    Match,
    MatchStatus,
    Referral,
    ReferralLanguage,
    ReferralStatus,
)
from ressursvenner.scale.distributions import flags as _flags
from ressursvenner.scale.distributions import languages as _languages
from volunteers.models import CommitmentPeriod, Status, Volunteer, VolunteerLanguage

CITIES = {"Oslo": "0301", "Bergen": "4601", "Trondheim": "5001", "Stavanger": "1103"}
MUNICIPALITIES_PER_ASSOCIATION = 20
BATCH = 2000
SPECIALISATION_TITLE = "Fordypningskurs: æresrelatert vold og negativ sosial kontroll"


@dataclass
class Filled:
    associations: list[Association]
    volunteers: int
    approved: int
    waiting: int
    # Two waiting referrals of the first association for the suggestion case: a typical one
    # (Norwegian and English, no special considerations, no avoid list) and a demanding one
    # (Somali, honour-related violence, an avoid list: most volunteers are excluded).
    typical: Referral
    special: Referral


def _covered(cities: dict[str, str]) -> dict[str, list[Municipality]]:
    everything = list(Municipality.objects.all())
    taken: set[int] = set()
    result = {}
    for city, number in cities.items():
        centre = next(m for m in everything if m.number == number)
        nearest = sorted(
            (m for m in everything if m.pk not in taken),
            key=lambda m: haversine_km(centre.latitude, centre.longitude, m.latitude, m.longitude),
        )[:MUNICIPALITIES_PER_ASSOCIATION]
        taken.update(m.pk for m in nearest)
        result[city] = nearest
    return result


@transaction.atomic
def fill(*, volunteers_per_association: int = 5263, waiting: int = 500, seed: int = 2024) -> Filled:
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    staff = User.objects.create(email="krisesenter@bench.example", first_name="Bench")
    areas = _covered(CITIES)
    cities = list(CITIES)
    associations, shelters = [], []
    for city, municipalities in areas.items():
        association = Association.objects.create(name=f"{city} Sanitetsforening (bench)")
        Coverage.objects.bulk_create(
            [Coverage(association=association, municipality=m) for m in municipalities]
        )
        associations.append(association)
        shelters.append(
            Shelter.objects.create(
                name=f"{city} krisesenter (bench)",
                municipality=municipalities[0],
                phone="+47 22 00 00 00",
            )
        )

    basic = list(Course.objects.filter(required_for_matching=True))
    specialisation = Course.objects.get(title=SPECIALISATION_TITLE)
    held = today - timedelta(days=60)
    sessions = {}
    for association in associations:
        for course in [*basic, specialisation]:
            sessions[association.pk, course.pk] = Session.objects.create(
                course=course,
                association=association,
                starts_at=timezone.make_aware(datetime.combine(held, time(17))),
                ends_at=timezone.make_aware(datetime.combine(held, time(21))),
                place="Bench",
                capacity=1000,
            )

    # Volunteers: approved (5 % paused), spread over the association's area, half in the city.
    people = []
    for a, association in enumerate(associations):
        municipalities = areas[cities[a]]
        for n in range(volunteers_per_association):
            home = municipalities[0] if rng.random() < 0.5 else rng.choice(municipalities[1:])
            approved = now - timedelta(days=rng.randint(0, 700))
            people.append(
                Volunteer(
                    association=association,
                    first_name=f"Frivillig{a}x{n}",
                    last_name="Bench",
                    email=f"v{a}x{n}@bench.example",
                    phone="+4791234567",
                    municipality=home,
                    birth_year=today.year - rng.randint(25, 72),
                    strengths=_flags(rng, 8, 0.3),
                    availability=_flags(rng, 3, 0.5) or 1,
                    motivation="Bench",
                    capacity=rng.choices((1, 2, 3), weights=(80, 15, 5))[0],
                    status=Status.PAUSED if rng.random() < 0.05 else Status.APPROVED,
                    consent_at=approved,
                    approved_at=approved,
                )
            )
    people = Volunteer.objects.bulk_create(people, batch_size=BATCH)

    languages, enrolments, commitments = [], [], []
    for person in people:
        languages += [VolunteerLanguage(volunteer=person, code=c) for c in _languages(rng)]
        if rng.random() < 0.98:
            enrolments += [
                Enrolment(
                    session=sessions[person.association_id, course.pk],
                    volunteer=person,
                    status=EnrolmentStatus.ATTENDED,
                )
                for course in basic
            ]
        if rng.random() < 0.15:
            enrolments.append(
                Enrolment(
                    session=sessions[person.association_id, specialisation.pk],
                    volunteer=person,
                    status=EnrolmentStatus.ATTENDED,
                )
            )
        if rng.random() < 0.97:
            starts = today - timedelta(days=rng.randint(0, 360))
            commitments.append(
                CommitmentPeriod(
                    volunteer=person, starts_on=starts, ends_on=starts + timedelta(days=365)
                )
            )
    VolunteerLanguage.objects.bulk_create(languages, batch_size=BATCH)
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    CommitmentPeriod.objects.bulk_create(commitments, batch_size=BATCH)

    # Earlier and running matches: 15 % have an open match, 10 % one to three ended ones.
    def referral(a: int, status: str, **fields) -> Referral:
        municipalities = areas[cities[a]]
        return Referral(
            shelter=shelters[a],
            association=associations[a],
            created_by=staff,
            consent_recorded_by=staff,
            consent_on=today,
            alias="Bench",
            age_bracket=rng.choice(AgeBracket.values),
            municipality=municipalities[0] if rng.random() < 0.5 else rng.choice(municipalities),
            preferred_language=rng.choice(COMMON),
            needs=_flags(rng, 8, 0.25),
            availability=_flags(rng, 3, 0.5),
            status=status,
            **fields,
        )

    index = {association.pk: a for a, association in enumerate(associations)}
    pairs: list[tuple[Referral, Volunteer, str]] = []
    for person in people:
        a = index[person.association_id]
        if rng.random() < 0.15:
            pairs.append((referral(a, ReferralStatus.ACTIVE), person, MatchStatus.ACTIVE))
        if rng.random() < 0.10:
            for _ in range(rng.randint(1, 3)):
                pairs.append((referral(a, ReferralStatus.ENDED), person, MatchStatus.ENDED))
    Referral.objects.bulk_create([p[0] for p in pairs], batch_size=BATCH)

    # The waiting referrals of the batch case, oldest first, in the first association.
    queue = []
    for n in range(waiting):
        r = referral(
            0,
            rng.choice((ReferralStatus.RECEIVED, ReferralStatus.BEING_MATCHED)),
            created_at=now - timedelta(days=waiting - n, hours=rng.randint(0, 23)),
            wish_age_bracket=rng.choice(["", "", *AgeBracket.values]),
            considerations=(
                rng.choice([Consideration.HONOUR_VIOLENCE, Consideration.NEGATIVE_SOCIAL_CONTROL])
                if rng.random() < 0.1
                else (Consideration.HAS_CHILDREN if rng.random() < 0.3 else 0)
            ),
        )
        queue.append(r)
    # The suggestion cases (see Filled).
    special, typical = queue[0], queue[1]
    special.preferred_language, special.considerations = "so", Consideration.HONOUR_VIOLENCE
    special.needs, special.wish_age_bracket = 0b10110, AgeBracket.AGE_36_45
    typical.preferred_language, typical.considerations = "no", 0
    typical.needs, typical.availability, typical.wish_age_bracket = 0b101, 0b110, ""
    queue = Referral.objects.bulk_create(queue, batch_size=BATCH)
    ReferralLanguage.objects.bulk_create(
        [
            ReferralLanguage(referral=r, code=code)
            for r in queue
            for code in (
                ["no", "en"]
                if r is typical
                else dict.fromkeys([r.preferred_language, *_languages(rng)[:2]])
            )
        ],
        batch_size=BATCH,
    )
    area = areas[cities[0]]
    through = Referral.avoid_municipalities.through
    through.objects.bulk_create(
        [
            through(referral_id=r.pk, municipality_id=m.pk)
            for r in queue
            if r is special or (r is not typical and rng.random() < 0.3)
            for m in rng.sample(area[1:], rng.randint(1, 2))
        ],
        batch_size=BATCH,
    )
    first = [p for p in people if p.association_id == associations[0].pk]
    for r in rng.sample(queue, len(queue) // 10):
        pairs.append((r, rng.choice(first), MatchStatus.CANCELLED))

    matches = [
        Match(
            referral=r,
            volunteer=person,
            status=status,
            proposed_at=now - timedelta(days=rng.randint(0, 700)),
            outcome_moved_back="no" if status == MatchStatus.ENDED else "",
            cancel_reason=CancelReason.VOLUNTEER_DECLINED
            if status == MatchStatus.CANCELLED
            else "",
        )
        for r, person, status in pairs
    ]
    Match.objects.bulk_create(matches, batch_size=BATCH)
    matched = {m.volunteer_id for m in matches if m.status != MatchStatus.CANCELLED}
    Volunteer.objects.filter(pk__in=matched).update(
        last_matched_at=now - timedelta(days=rng.randint(30, 300))
    )
    return Filled(
        associations=associations,
        volunteers=len(people),
        approved=sum(p.status == Status.APPROVED for p in people),
        waiting=len(queue),
        typical=typical,
        special=special,
    )


def gather_in_one_association(association: Association) -> int:
    """The worst case for suggestions: every volunteer in `association`. One statement."""
    return Volunteer.objects.update(association=association)
