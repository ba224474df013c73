"""Demo volunteers: about 30 per association in every status, with sessions and attendance.

Deterministic (a fixed random seed) and idempotent: an association that already has demo
volunteers is left alone.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Association, User
from common.dates import add_years
from courses.models import (
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Gathering,
    GatheringSignUp,
    Session,
    SignUpStatus,
)
from volunteers.models import (
    Availability,
    CommitmentPeriod,
    ConfidentialityDeclaration,
    Status,
    Strength,
    Volunteer,
    VolunteerLanguage,
)
from volunteers.services import commitment_renew

FIRST_NAMES = [
    "Ingrid",
    "Kari",
    "Anne",
    "Hilde",
    "Marianne",
    "Silje",
    "Camilla",
    "Ida",
    "Nora",
    "Thea",
    "Amina",
    "Fatima",
    "Hodan",
    "Sahra",
    "Aisha",
    "Maryam",
    "Agnieszka",
    "Katarzyna",
    "Olena",
    "Iryna",
    "Selam",
    "Helen",
    "Ayesha",
    "Sana",
    "Nadia",
    "Leyla",
    "Ewa",
    "Birgit",
    "Torunn",
    "Solveig",
    "Randi",
    "Mette",
    "Lise",
    "Heidi",
    "Guro",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Ali",
    "Hassan",
    "Mohamed",
    "Nowak",
    "Kowalska",
    "Kovalenko",
    "Tesfay",
    "Haile",
    "Khan",
    "Ahmed",
    "Berg",
    "Haugen",
    "Bakke",
    "Lie",
    "Dahl",
]
# Norwegian always; often one more, matching the communities the shelters see.
EXTRA_LANGUAGES = ["en", "ar", "so", "pl", "ti", "ur", "uk", "en", "fa", "ru"]
# How many demo volunteers per status (about 30 in all).
STATUS_COUNTS = {
    Status.APPLIED: 5,
    Status.SCREENING: 4,
    Status.COURSE: 6,
    Status.APPROVED: 11,
    Status.PAUSED: 2,
    Status.ENDED: 1,
    Status.REJECTED: 1,
}
DECLARATION_TEXT = (
    "Jeg forplikter meg til å bevare taushet om alt jeg får vite om kvinnen jeg er ressursvenn "
    "for, og om andre som deltar i Ressursvenner. Taushetsplikten gjelder også etter at jeg har "
    "sluttet som ressursvenn."
)


def seed(stdout) -> None:
    declaration, _created = ConfidentialityDeclaration.objects.get_or_create(
        version=1, defaults={"text": DECLARATION_TEXT}
    )
    courses = {course.kind: course for course in Course.objects.all()}
    basic = next(c for c in Course.objects.filter(required_for_matching=True))
    specialisation = courses.get(CourseKind.SPECIALISATION)
    created = 0
    for index, association in enumerate(Association.objects.order_by("name")):
        if Volunteer.objects.filter(association=association).exists():
            continue
        rng = random.Random(1000 + index)  # noqa: S311 - demo data
        coordinator = User.objects.filter(
            memberships__association=association, memberships__role="coordinator"
        ).first()
        numbers = list(association.municipalities.order_by("number"))
        volunteers = []
        for status, count in STATUS_COUNTS.items():
            for _n in range(count):
                volunteers.append(
                    _volunteer(rng, association, numbers, status, coordinator, declaration)
                )
        # The demo volunteer logins of this association are approved ressursvenner.
        city = association.name.split()[0].lower()
        logins = User.objects.filter(
            email__in=[
                demo_email(f"frivillig.{city}"),
                *(
                    [demo_email("to.roller"), demo_email("gruppeleder.oslo")]
                    if city == "oslo"
                    else []
                ),
            ]
        ).order_by("pk")
        approved = [v for v in volunteers if v.status == Status.APPROVED]
        for login, own in zip(logins, approved, strict=False):
            own.user, own.email = login, login.email
            own.first_name, own.last_name = login.first_name, login.last_name
            own.save(update_fields=["user", "email", "first_name", "last_name"])
        # All but the last ressursvenn have renewed their year, so their commitment lasts a
        # match's planned year (matching.models.match_planned_end); the last one's ends sooner,
        # and the suggestions show her apart, to renew or for a shorter match.
        for own in approved[:-1]:
            if own.commitments.filter(ends_on__lt=add_years(timezone.localdate(), 1)).exists():
                commitment_renew(volunteer=own)
        # Some ressursvenner speak the languages the demo referrals prefer, so the suggestions
        # visibly weigh language against distance.
        for own, code in zip(approved[2:], ["ar", "so", "pl", "ar"], strict=False):
            VolunteerLanguage.objects.get_or_create(volunteer=own, code=code)
        _sessions(rng, association, volunteers, basic, specialisation, coordinator)
        created += len(volunteers)
    stdout.write(f"Demo: {created} volunteers with course sessions and attendance.")
    _gatherings(stdout)


def _gatherings(stdout) -> None:
    """A national gathering in the coming months with a few signed up, a full one of the first
    association with a waiting list, and a national one held with its attendance (so the hours
    show it). Idempotent: left alone when there are gatherings already."""
    if Gathering.objects.exists():
        return
    guests = Volunteer.objects.filter(status=Status.APPROVED, erased_at__isnull=True)
    associations = list(Association.objects.order_by("name"))
    if not associations:
        return
    national_admin = User.objects.filter(memberships__role="national_admin").first()
    # The demo logins first, so a demo volunteer sees her own sign-ups.
    by_association = {
        a.pk: list(guests.filter(association=a).order_by("user_id", "pk")) for a in associations
    }
    coming = Gathering.objects.create(
        title="Årlig samling for ressursvenner",
        starts_at=_at(75, 10),
        ends_at=_at(75, 16),
        place="Hotell Sentrum, Oslo",
        description="Erfaringsdeling, faglig påfyll og lunsj. Reise dekkes.",
        sign_up_by=timezone.localdate() + timedelta(days=60),
        national=True,
        created_by=national_admin,
    )
    for volunteers in by_association.values():
        for volunteer in volunteers[1:3]:
            GatheringSignUp.objects.create(gathering=coming, volunteer=volunteer)
    first = associations[0]
    coordinator = User.objects.filter(
        memberships__association=first, memberships__role="coordinator"
    ).first()
    own = by_association[first.pk]
    seats = max(1, min(2, len(own) - 2))
    full = Gathering.objects.create(
        title="Ressursvenntreff",
        starts_at=_at(30, 17),
        ends_at=_at(30, 21),
        place="Foreningens lokaler",
        description="Mat og prat med de andre ressursvennene i foreningen.",
        sign_up_by=timezone.localdate() + timedelta(days=20),
        capacity=seats,
        organiser=first,
        created_by=coordinator,
    )
    full.associations.set([first])
    now = timezone.now()
    for position, volunteer in enumerate(own[: seats + 2]):
        waiting = position >= seats
        GatheringSignUp.objects.create(
            gathering=full,
            volunteer=volunteer,
            status=SignUpStatus.WAITING if waiting else SignUpStatus.SIGNED_UP,
            queued_at=now - timedelta(hours=10 - position) if waiting else None,
        )
    held = Gathering.objects.create(
        title="Regional samling for ressursvenner",
        starts_at=_at(-40, 10),
        ends_at=_at(-40, 15),
        place="Kulturhuset, Bergen",
        sign_up_by=timezone.localdate() - timedelta(days=50),
        national=True,
        created_by=national_admin,
    )
    for volunteers in by_association.values():
        for index, volunteer in enumerate(volunteers[:3]):
            GatheringSignUp.objects.create(
                gathering=held,
                volunteer=volunteer,
                status=SignUpStatus.ABSENT if index == 2 else SignUpStatus.ATTENDED,
            )
    stdout.write("Demo: 3 gatherings, one full with a waiting list, one held with attendance.")


def _volunteer(rng, association, municipalities, status, coordinator, declaration) -> Volunteer:
    now = timezone.now()
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # An approved ressursvenn applied long enough ago to have been approved 40 days later.
    earliest = 60 if status in (Status.APPROVED, Status.PAUSED, Status.ENDED) else 3
    applied = now - timedelta(
        days=rng.randint(earliest, 400) if status != Status.APPLIED else rng.randint(1, 12)
    )
    volunteer = Volunteer.objects.create(
        association=association,
        first_name=first,
        last_name=last,
        email=f"{first}.{last}.{rng.randint(100, 999)}@frivillig.example".lower(),
        phone=f"+479{rng.randint(1000000, 9999999)}",
        municipality=rng.choice(municipalities),
        birth_year=rng.randint(1950, 1999),
        strengths=sum(s.value for s in Strength if rng.random() < 0.35) or Strength.NETWORK,
        availability=sum(a.value for a in Availability if rng.random() < 0.5)
        or Availability.WEEKEND,
        motivation="Jeg har selv fått hjelp en gang, og vil gjerne gi noe tilbake.",
        capacity=2 if rng.random() < 0.15 else 1,
        status=status,
        applied_at=applied,
        last_applied_at=applied,
        consent_at=applied,
        status_reason="Passet ikke med prosjektets behov nå." if status == Status.REJECTED else "",
    )
    VolunteerLanguage.objects.create(volunteer=volunteer, code="no")
    if rng.random() < 0.6:
        VolunteerLanguage.objects.get_or_create(
            volunteer=volunteer, code=rng.choice(EXTRA_LANGUAGES)
        )
    if status in (Status.COURSE, Status.APPROVED, Status.PAUSED, Status.ENDED):
        screened = applied + timedelta(days=10)
        volunteer.interview_on = screened.date()
        volunteer.interview_by = coordinator
        volunteer.first_reference_checked_on = volunteer.second_reference_checked_on = (
            screened.date()
        )
        volunteer.confidentiality_signed_on = screened.date()
        volunteer.confidentiality_version = declaration
        if status != Status.ENDED:
            volunteer.police_certificate_seen_on = screened.date()
            volunteer.police_certificate_seen_by = coordinator
            volunteer.police_certificate_legal_basis = "krisesenterlova § 7"
        volunteer.save()
    if status in (Status.APPROVED, Status.PAUSED):
        approved_on = (applied + timedelta(days=40)).date()
        volunteer.approved_at = timezone.make_aware(datetime.combine(approved_on, time(12)))
        volunteer.save(update_fields=["approved_at"])
        CommitmentPeriod.objects.create(
            volunteer=volunteer, starts_on=approved_on, ends_on=add_years(approved_on, 1)
        )
    return volunteer


def _at(day_offset: int, hour: int):
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _sessions(rng, association, volunteers, basic, specialisation, coordinator) -> None:
    place = f"{association.name}, kurslokalet"
    done = [v for v in volunteers if v.status in (Status.APPROVED, Status.PAUSED, Status.ENDED)]
    in_course = [v for v in volunteers if v.status == Status.COURSE]
    past = Session.objects.create(
        course=basic,
        association=association,
        starts_at=_at(-60, 17),
        ends_at=_at(-60, 21),
        place=place,
        capacity=20,
        created_by=coordinator,
    )
    for volunteer in done:
        Enrolment.objects.create(session=past, volunteer=volunteer, status=EnrolmentStatus.ATTENDED)
    # Half of those at the course stage have taken the basic course; the others are signed up.
    recent = Session.objects.create(
        course=basic,
        association=association,
        starts_at=_at(-14, 17),
        ends_at=_at(-14, 21),
        place=place,
        capacity=12,
        created_by=coordinator,
    )
    upcoming = Session.objects.create(
        course=basic,
        association=association,
        starts_at=_at(9, 17),
        ends_at=_at(9, 21),
        place=place,
        capacity=12,
        created_by=coordinator,
    )
    for number, volunteer in enumerate(in_course):
        if number % 2 == 0:
            Enrolment.objects.create(
                session=recent, volunteer=volunteer, status=EnrolmentStatus.ATTENDED
            )
        else:
            Enrolment.objects.create(
                session=upcoming, volunteer=volunteer, status=EnrolmentStatus.ENROLLED
            )
    if specialisation:
        spec = Session.objects.create(
            course=specialisation,
            association=association,
            starts_at=_at(-30, 10),
            ends_at=_at(-30, 15),
            place=place,
            capacity=10,
            created_by=coordinator,
        )
        for volunteer in done[:4]:
            Enrolment.objects.create(
                session=spec, volunteer=volunteer, status=EnrolmentStatus.ATTENDED
            )
        Session.objects.create(
            course=specialisation,
            association=association,
            starts_at=_at(24, 10),
            ends_at=_at(24, 15),
            place=place,
            capacity=10,
            created_by=coordinator,
        )
        # An evening session of the specialisation course, full, with one on its waiting list.
        # (Supervision is held in the supervision groups: supervision/demo.py.)
        evening = Session.objects.create(
            course=specialisation,
            association=association,
            starts_at=_at(5, 17),
            ends_at=_at(5, 21),
            place=place,
            capacity=8,
            created_by=coordinator,
        )
        for volunteer in done[4:12]:
            Enrolment.objects.create(
                session=evening, volunteer=volunteer, status=EnrolmentStatus.ENROLLED
            )
        if len(done) > 12:
            Enrolment.objects.create(
                session=evening,
                volunteer=done[12],
                status=EnrolmentStatus.WAITING,
                queued_at=timezone.now(),
            )
