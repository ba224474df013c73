"""The national data set of `manage.py seed_scale`: every app's tables, at the programme's size.

At factor 1 (the sizes of issue 15): 400 associations, 340 of them running the programme and
together covering every municipality, 45 crisis shelters, 20,000 volunteers at every stage of
the pipeline (about 12,000 with a login), 2,000 course sessions with 60,000 enrolments, 10,000
referrals over three years, 5,000 active matches, 300,000 meetings, 3,000 concerns, the
follow-up conversations, and the notifications, emails and reminders the service would have
sent. A factor scales every count (minimums keep a tiny set whole). Seeded: the same factor
builds the same data, on dates counted back from today.

How things are spread is written in docs/performance.md and, as code, here and in
ressursvenner/scale/distributions.py. What the retention jobs would have done by today is done
too: referrals and volunteers past their retention period are erased, read notifications older
than 90 days are gone, and emails sent more than 30 days ago keep no address or content.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.geo import haversine_km
from accounts.languages import COMMON
from accounts.models import (
    Association,
    Coverage,
    Invitation,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
    erased_email,
)
from common.crypto import encrypt
from common.dates import add_years
from courses.models import Consideration, Course, CourseKind, Enrolment, EnrolmentStatus, Session
from matching.models import (
    FOLLOW_UP_SCHEDULE,
    LATER_OUTCOME_DAYS,
    LATER_OUTCOME_GRACE_DAYS,
    AgeBracket,
    CancelReason,
    Concern,
    EndReason,
    FollowUp,
    FollowUpKind,
    InitiatedBy,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    Referral,
    ReferralEvent,
    ReferralLanguage,
    ReferralStatus,
    YesNoUnknown,
)
from notifications.models import Notification, OutboxMessage, OutboxStatus, ReminderSent
from ressursvenner.scale.copy import Writer
from ressursvenner.scale.distributions import (
    association_weights,
    commitment_periods,
    day_between,
    flags,
    languages,
    largest_remainder,
    volunteer_stage,
)
from volunteers.models import (
    CommitmentPeriod,
    ConfidentialityDeclaration,
    Status,
    Volunteer,
    VolunteerLanguage,
)
from volunteers.models import EndReason as CommitmentEnd

# The sizes at factor 1, and the least of each at any factor.
BASE = {
    "associations": 400,
    "shelters": 45,
    "volunteers": 20_000,
    "sessions": 2_000,
    "enrolments": 60_000,
    "referrals": 10_000,
    "active": 5_000,
    "meetings": 300_000,
    "concerns": 3_000,
}
MINIMUM = {
    "associations": 3,
    "shelters": 2,
    "volunteers": 60,
    "sessions": 6,
    "enrolments": 60,
    "referrals": 40,
    "active": 10,
    "meetings": 200,
    "concerns": 3,
}
RUNNING_SHARE = 0.85  # of the associations run the programme; the others only exist
YEARS = 3
DOMAIN = "scale.example"  # every login and address of the data set; .example reaches nobody
# The largest towns first: their associations are the largest and host the shelters.
CITIES = [
    "0301",
    "4601",
    "5001",
    "1103",
    "3201",
    "4204",
    "3301",
    "3203",
    "3205",
    "3107",
    "1108",
    "5501",
    "1508",
    "3907",
    "1804",
    "3909",
    "3105",
    "4003",
    "3905",
    "4203",
    "4001",
    "1106",
    "3103",
    "3403",
    "3101",
    "1506",
    "3407",
    "5503",
    "3405",
    "3303",
    "5601",
]

FIRST_NAMES = [
    "Anne",
    "Inger",
    "Kari",
    "Marit",
    "Ingrid",
    "Liv",
    "Eva",
    "Berit",
    "Astrid",
    "Bjørg",
    "Hilde",
    "Anna",
    "Solveig",
    "Marianne",
    "Randi",
    "Ida",
    "Nina",
    "Maria",
    "Elisabeth",
    "Kristin",
    "Bente",
    "Heidi",
    "Silje",
    "Hanne",
    "Tone",
    "Camilla",
    "Nora",
    "Emma",
    "Sara",
    "Amina",
    "Fatima",
    "Agnieszka",
    "Olena",
    "Leyla",
    "Hodan",
    "Mariam",
    "Sofie",
    "Ingeborg",
    "Guro",
    "Line",
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
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Ali",
    "Ahmed",
    "Nowak",
    "Kowalska",
    "Hussein",
    "Mohamed",
    "Bakke",
    "Lie",
]
ALIASES = [
    "Sol",
    "Lena",
    "Mira",
    "Ane",
    "Tiril",
    "Vilde",
    "Maja",
    "Selma",
    "Hedda",
    "Frida",
    "Alma",
    "Jenny",
    "Leah",
    "Aisha",
    "Yasmin",
    "Noor",
    "Zara",
    "Hana",
    "Ruth",
    "Lea",
    "Iman",
    "Dina",
    "Rana",
    "Kamila",
    "Oksana",
    "Daria",
    "Emilie",
    "Julie",
    "Kaja",
    "Tuva",
]
MOTIVATIONS = (
    "Jeg har selv fått hjelp en gang, og vil gjerne gi noe tilbake.",
    "Jeg har god tid og liker å være til nytte for andre.",
    "Jeg jobber som sykepleier og vet hvor mye et nettverk betyr.",
    "Jeg kjenner byen godt og kan vise vei i alt det praktiske.",
    "Jeg vil bidra til at ingen må gå tilbake til den som slo.",
)
NOTES = (
    "Vi tok en kaffe og pratet om uka.",
    "Vi gikk en tur i parken. Hun virket i bedre form.",
    "Vi var på NAV sammen og fikk ordnet timen.",
    "Vi så på en leilighet. Hun vurderer å søke.",
    "Kort møte, hun hadde det travelt.",
    "Vi øvde på norsk over en kopp te.",
    "Vi handlet inn til barna og spiste lunsj.",
    "Hun fortalte om jobbintervjuet. Det gikk fint.",
)
CONCERNS = (
    "Hun sier at han har tatt kontakt igjen.",
    "Hun virker svært nedstemt og sover dårlig.",
    "Hun nevnte at hun vurderer å flytte tilbake.",
    "Barna er urolige, og hun er redd for neste samvær.",
)
FOLLOW_UP_NOTES = (
    "Samtale med begge. Det går bra.",
    "Avtalt tettere kontakt en periode.",
    "Ressursvennen trenger råd om grenser. Tatt opp i veiledning.",
    "Kvinnen ønsker å fortsette. Ingen endringer.",
)
SAFETY_NOTES = (
    "Ikke oppgi adressen hennes til noen.",
    "Møt henne aldri i nærheten av den gamle adressen.",
    "Hun har besøksforbud overfor eksmannen.",
)
WISHES = (
    "Ønsker en som liker å gå turer.",
    "Vil gjerne ha hjelp med norsk.",
    "Ønsker en som har barn selv.",
)
WITHDRAWN_REASONS = ("Ønsket ikke lenger", "Flyttet til en annen del av landet", "Fikk annen hjelp")
INTERVIEW_NOTES = (
    "God samtale. Rolig og reflektert.",
    "Erfaren fra frivillig arbeid. Anbefales.",
    "Noe usikker på tiden hun har. Følges opp.",
)
END_NOTES = ("Året er over, og det har gått fint.", "Flyttet for jobb.", "Trenger en pause.")
PLACES = ("Sanitetshuset", "Frivilligsentralen", "Biblioteket, møterom 2", "Kulturhuset")
FIRST_MEETING_PLACES = ("Kafeen ved biblioteket", "Frivilligsentralen", "Krisesenteret")
LEGAL_BASIS = "krisesenterlova § 7"
SENTINEL = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Sizes:
    associations: int
    running: int
    shelters: int
    volunteers: int
    sessions: int
    enrolments: int
    referrals: int
    active: int
    meetings: int
    concerns: int

    @classmethod
    def at(cls, factor: float) -> Sizes:
        n = {key: max(MINIMUM[key], round(value * factor)) for key, value in BASE.items()}
        return cls(running=max(2, round(n["associations"] * RUNNING_SHARE)), **n)


@dataclass
class Filled:
    factor: float
    sizes: Sizes
    rows: dict[str, int]
    steps: list[tuple[str, float]]
    encryptions: int
    seconds: float = 0.0


@dataclass(slots=True)
class Person:
    """A volunteer as the filler keeps her while it builds the rest."""

    id: int
    public_id: object
    association: int  # index into the running associations
    status: str
    applied: date
    changed: date
    approved: date | None
    capacity: int
    user_id: int | None
    erased: bool
    open_matches: int = 0


@dataclass(slots=True)
class Case:
    """A referral and its match(es) as the filler plans them."""

    id: int
    association: int
    shelter: int
    kind: str  # waiting, starting, active, paused, ended, withdrawn
    created: date
    public_id: object = None
    proposed: date | None = None
    started: date | None = None
    ended: date | None = None
    closed: date | None = None
    erased: bool = False
    # The day her data was erased (when `erased`), and the six-month answer (ended cases).
    erased_on: date | None = None
    later: str = ""
    later_on: date | None = None
    match_id: int | None = None
    match_public_id: object = None
    volunteer: Person | None = None
    match_status: str = ""
    quiet: bool = False
    follow_ups_overdue: list[tuple[str, date]] = field(default_factory=list)


def known(day: date | None) -> date:
    """A date the plan has set by now (a match proposed, started, ended)."""
    assert day is not None
    return day


def _moment(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)))


class Filler:
    def __init__(self, factor: float = 1.0, *, seed: int = 15, say: Callable[[str], None] = print):
        self.factor = factor
        self.sizes = Sizes.at(factor)
        # Seeded on purpose (the same data every run); nothing here is a secret.
        self.rng = random.Random(seed)  # noqa: S311
        # The six-month answers draw from their own stream, so the rest stays as it was.
        self.later_rng = random.Random(seed + 2)  # noqa: S311
        self.writer = Writer(random.Random(seed + 1))  # noqa: S311
        self.say = say
        self.now = self.writer.now
        self.today = timezone.localdate(self.now)
        self.first_day = self.today - timedelta(days=365 * YEARS)
        self.steps: list[tuple[str, float]] = []
        self._match_ids: range = range(0)
        self._match_cursor = 0

    # --- the whole --------------------------------------------------------------------------

    def run(self) -> Filled:
        started = time.perf_counter()
        with transaction.atomic():
            for name, step in (
                ("places", self.places),
                ("people", self.people),
                ("commitments", self.commitments),
                ("courses", self.courses),
                ("referrals and matches", self.referrals),
                ("meetings and concerns", self.meetings),
                ("notifications, emails, reminders", self.notifications),
                ("last touches", self.last_touches),
            ):
                t = time.perf_counter()
                step()
                self.steps.append((name, time.perf_counter() - t))
                self.say(f"  {name}: {self.steps[-1][1]:.1f} s")
        return Filled(
            factor=self.factor,
            sizes=self.sizes,
            rows=dict(self.writer.counts),
            steps=self.steps,
            encryptions=self.writer.encryptions,
            seconds=time.perf_counter() - started,
        )

    # --- helpers ----------------------------------------------------------------------------

    def pick(self, cumulative: list[float]) -> int:
        return bisect.bisect(cumulative, self.rng.random() * cumulative[-1])

    def ramp_day(self) -> date:
        """A day of the three years, more of them recent: the programme has grown (the density
        rises linearly from nothing three years ago)."""
        span = (self.today - self.first_day).days
        return self.first_day + timedelta(days=int(span * math.sqrt(self.rng.random())))

    def name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def link(self, url_name: str, public_id) -> str:
        return self._links[url_name].replace(SENTINEL, str(public_id))

    # --- places -----------------------------------------------------------------------------

    def places(self) -> None:
        rng, s = self.rng, self.sizes
        municipalities = list(Municipality.objects.select_related("county").order_by("number"))
        numbers = {m.number: m for m in municipalities}
        running = min(s.running, len(municipalities))
        seats = [numbers[n] for n in CITIES if n in numbers][:running]
        taken = {m.pk for m in seats}
        seats += rng.sample([m for m in municipalities if m.pk not in taken], running - len(seats))
        self.weights = sorted(association_weights(rng, running), reverse=True)
        self.cumulative = list(itertools.accumulate(self.weights))
        self.area: list[list[int]] = [[] for _ in seats]
        self.owner: dict[int, int] = {}
        for m in municipalities:
            nearest = min(
                range(running),
                key=lambda i: haversine_km(
                    m.latitude, m.longitude, seats[i].latitude, seats[i].longitude
                ),
            )
            self.area[nearest].append(m.pk)
            self.owner[m.pk] = nearest
        # The seat first in each area (half of its people live there).
        for i, seat in enumerate(seats):
            self.area[i].remove(seat.pk)
            self.area[i].insert(0, seat.pk)
        duplicate = {n for n, c in _count(m.name for m in municipalities).items() if c > 1}

        def place_name(m: Municipality) -> str:
            return f"{m.name} ({m.county.name})" if m.name in duplicate else m.name

        ids = self.writer.reserve(Association, s.associations)
        self.associations = list(ids[:running])
        self.writer.copy(
            Association,
            ["id", "name", "email", "phone", "is_active"],
            [
                (
                    ids[i],
                    f"{place_name(seats[i])} sanitetsforening"
                    if i < running
                    else f"Sanitetsforening nr. {i + 1} (driver ikke ressursvenner)",
                    f"forening{i + 1}@{DOMAIN}",
                    f"+4722{i:06d}",
                    i < running,
                )
                for i in range(s.associations)
            ],
        )
        self.writer.copy(
            Coverage,
            ["association_id", "municipality_id"],
            [(ids[i], pk) for i in range(running) for pk in self.area[i]],
        )
        # Shelters in the largest towns first, then spread over the rest of the country.
        spots = seats[: s.shelters]
        spots += rng.sample(
            [m for m in municipalities if m not in spots], max(0, s.shelters - len(spots))
        )
        self.shelters = list(self.writer.reserve(Shelter, len(spots)))
        self.writer.copy(
            Shelter,
            ["id", "name", "municipality_id", "phone"],
            [
                (self.shelters[i], f"{place_name(m)} krisesenter", m.pk, f"+4733{i:06d}")
                for i, m in enumerate(spots)
            ],
        )
        # The shelters nearest each municipality: a woman is referred by one of them.
        self.near_shelters = {
            m.pk: sorted(
                range(len(spots)),
                key=lambda j: haversine_km(
                    m.latitude, m.longitude, spots[j].latitude, spots[j].longitude
                ),
            )[:3]
            for m in municipalities
        }
        self.municipality_ids = [m.pk for m in municipalities]
        declaration = ConfidentialityDeclaration.current()
        if declaration is None:
            declaration = ConfidentialityDeclaration.objects.create(
                version=1,
                text="Jeg lover å bevare taushet om alt jeg får vite om kvinnen jeg støtter.",
                valid_from=self.first_day,
            )
        self.declaration = declaration.pk
        self._links = {
            name: reverse(name, args=[SENTINEL])
            for name in ("referral_detail", "match_detail", "concern_detail", "volunteer_detail")
        }
        self._links["meeting_log"] = reverse("meeting_log")
        self._links["my_match"] = reverse("my_match")
        self._links["my_courses"] = reverse("my_courses")
        self._links["my_page"] = reverse("my_page")
        self._links["match_list"] = reverse("match_list")

    def home(self, association: int) -> int:
        area = self.area[association]
        return area[0] if self.rng.random() < 0.5 or len(area) == 1 else self.rng.choice(area)

    # --- people -----------------------------------------------------------------------------

    def people(self) -> None:
        rng, s, today = self.rng, self.sizes, self.today
        users: list[
            tuple
        ] = []  # (email, first, last, joined, is_active, language, digest, public_id)
        memberships: list[tuple] = []  # (user index, role, association id, shelter id, at, ended)
        authenticated: list[int] = []  # user indexes with two-step login and a verified address

        def user(email: str, joined: date, *, active: bool = True, names=None, digest=False):
            first, last = names or self.name()
            public_id = self.writer.uuid()
            if not active:
                email, first, last = erased_email(public_id), "", ""
            users.append(
                (
                    email,
                    first,
                    last,
                    _moment(joined, 10),
                    active,
                    "en" if rng.random() < 0.05 else "nb",
                    digest,
                    public_id,
                )
            )
            if active:
                authenticated.append(len(users) - 1)
            return len(users) - 1

        for n in range(3):
            index = user(f"admin{n + 1}@{DOMAIN}", self.first_day)
            memberships.append((index, Role.NATIONAL_ADMIN, None, None, self.first_day, None))
        self.coordinators: list[list[int]] = []  # user indexes, then ids
        counter = itertools.count(1)
        for i, weight in enumerate(self.weights):
            people = []
            for _ in range(1 + (weight > 3) + (weight > 10)):
                index = user(
                    f"koordinator{next(counter)}@{DOMAIN}",
                    self.first_day,
                    digest=rng.random() < 0.3,
                )
                memberships.append(
                    (index, Role.COORDINATOR, self.associations[i], None, self.first_day, None)
                )
                people.append(index)
            if rng.random() < 0.1:  # a coordinator who has stepped down
                index = user(f"koordinator{next(counter)}@{DOMAIN}", self.first_day)
                left = day_between(rng, self.first_day, today)
                memberships.append(
                    (index, Role.COORDINATOR, self.associations[i], None, self.first_day, left)
                )
            self.coordinators.append(people)
        self.staff: list[list[int]] = []
        counter = itertools.count(1)
        for shelter in self.shelters:
            people = []
            for _ in range(3):
                index = user(f"krisesenter{next(counter)}@{DOMAIN}", self.first_day)
                memberships.append((index, Role.SHELTER_STAFF, None, shelter, self.first_day, None))
                people.append(index)
            self.staff.append(people)

        # Volunteers: the pipeline of distributions.volunteer_stage, on application days that
        # grow with the programme; a login from approval on.
        volunteer_ids = self.writer.reserve(Volunteer, s.volunteers)
        self.persons: list[Person] = []
        rows = []
        language_rows = []
        span_done = today - timedelta(days=settings.RETENTION_VOLUNTEER_DAYS)
        for n, vid in enumerate(volunteer_ids):
            a = self.pick(self.cumulative)
            applied = self.ramp_day()
            stage = volunteer_stage(rng, applied, today)
            status, changed, approved = stage.status, stage.changed, stage.approved
            erased = status in (Status.ENDED, Status.REJECTED) and changed <= span_done
            first, last = self.name()
            email = f"frivillig{n + 1}@{DOMAIN}"
            public_id = self.writer.uuid()
            user_index = None
            if approved:
                user_index = user(
                    email, approved, active=not erased, names=(first, last), digest=False
                )
                memberships.append(
                    (
                        user_index,
                        Role.VOLUNTEER,
                        self.associations[a],
                        None,
                        approved,
                        changed if status == Status.ENDED else None,
                    )
                )
            interviewer = self.coordinators[a][0]
            interview_note = (
                rng.choice(INTERVIEW_NOTES) if stage.interview and rng.random() < 0.5 else ""
            )
            capacity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
            strengths, availability = flags(rng, 8, 0.3), flags(rng, 3, 0.5) or 1
            codes = languages(rng)
            person = Person(
                id=vid,
                public_id=public_id,
                association=a,
                status=status,
                applied=applied,
                changed=changed,
                approved=approved,
                capacity=capacity,
                user_id=user_index,
                erased=erased,
            )
            self.persons.append(person)
            if not erased:
                language_rows += [(vid, code) for code in codes]
            signed = approved and rng.random() < 0.95
            rows.append(
                (
                    vid,
                    public_id,
                    self.associations[a],
                    status == Status.APPLIED and rng.random() < 0.01,
                    user_index,
                    "–" if erased else first,
                    "" if erased else last,
                    erased_email(public_id) if erased else email,
                    "" if erased else f"+479{n:07d}",
                    "en" if rng.random() < 0.05 else "nb",
                    self.home(a),
                    today.year - rng.randint(25, 72),
                    0 if erased else strengths,
                    0 if erased else availability,
                    "" if erased else rng.choice(MOTIVATIONS),
                    capacity,
                    status,
                    _moment(changed, 15),
                    "",
                    _moment(applied, rng.randint(8, 22)),
                    _moment(applied, 8),
                    1,
                    _moment(applied, 8),
                    _moment(approved, 14) if approved else None,
                    _moment(changed, 3, 15) + timedelta(days=settings.RETENTION_VOLUNTEER_DAYS)
                    if erased
                    else None,
                    stage.interview,
                    interviewer if stage.interview and not erased else None,
                    "" if erased else interview_note,
                    approved - timedelta(days=10) if approved else None,
                    approved - timedelta(days=8) if approved else None,
                    known(approved) - timedelta(days=2) if signed else None,
                    self.declaration if signed else None,
                    approved - timedelta(days=5) if approved and not erased else None,
                    interviewer if approved and not erased else None,
                    LEGAL_BASIS if approved and not erased else "",
                )
            )

        # The logins, now that everyone is known.
        user_ids = self.writer.reserve(User, len(users))
        unusable = "!" + hashlib.sha256(b"seed_scale").hexdigest()[:40]  # no password matches
        self.writer.copy(
            User,
            [
                "id",
                "password",
                "email",
                "first_name",
                "last_name",
                "date_joined",
                "is_active",
                "language",
                "weekly_digest",
                "public_id",
                "last_login",
            ],
            [
                (
                    user_ids[i],
                    unusable,
                    email,
                    first,
                    last,
                    joined,
                    active,
                    language,
                    digest,
                    public_id,
                    self.now - timedelta(hours=rng.randint(1, 24 * 30)) if active else None,
                )
                for i, (email, first, last, joined, active, language, digest, public_id) in (
                    enumerate(users)
                )
            ],
        )
        self.user_active = {user_ids[i]: u[4] for i, u in enumerate(users)}
        self.user_email = {user_ids[i]: u[0] for i, u in enumerate(users)}
        self.user_language = {user_ids[i]: u[5] for i, u in enumerate(users)}
        self.user_digest = {user_ids[i]: u[6] for i, u in enumerate(users)}
        self.writer.copy(
            EmailAddress,
            ["user_id", "email", "verified", "primary"],
            [(user_ids[i], users[i][0], True, True) for i in authenticated],
        )
        # Two-step login for every login (every role uses it). A few secrets, encrypted once.
        secrets = [
            {"secret": encrypt(hashlib.sha256(f"seed_scale {n}".encode()).hexdigest()[:32].upper())}
            for n in range(8)
        ]
        self.writer.copy(
            Authenticator,
            ["user_id", "type", "data", "created_at"],
            [
                (user_ids[i], Authenticator.Type.TOTP, secrets[i % 8], users[i][3])
                for i in authenticated
            ],
        )
        self.writer.copy(
            Membership,
            ["user_id", "role", "association_id", "shelter_id", "created_at", "ended_at"],
            [
                (
                    user_ids[index],
                    role,
                    association,
                    shelter,
                    _moment(at, 9),
                    _moment(ended, 16) if ended else None,
                )
                for index, role, association, shelter, at, ended in memberships
            ],
        )
        self.coordinators = [[user_ids[i] for i in people] for people in self.coordinators]
        self.staff = [[user_ids[i] for i in people] for people in self.staff]
        self.admins = [user_ids[i] for i in range(3)]
        for person in self.persons:
            if person.user_id is not None:
                person.user_id = user_ids[person.user_id]
        columns = [
            "id",
            "public_id",
            "association_id",
            "outside_area",
            "user_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "municipality_id",
            "birth_year",
            "strengths",
            "availability",
            "motivation",
            "capacity",
            "status",
            "status_changed_at",
            "status_reason",
            "applied_at",
            "last_applied_at",
            "application_count",
            "consent_at",
            "approved_at",
            "erased_at",
            "interview_on",
            "interview_by_id",
            "interview_note",
            "first_reference_checked_on",
            "second_reference_checked_on",
            "confidentiality_signed_on",
            "confidentiality_version_id",
            "police_certificate_seen_on",
            "police_certificate_seen_by_id",
            "police_certificate_legal_basis",
        ]
        at = {name: columns.index(name) for name in ("user_id", "interview_by_id")}
        at["seen_by"] = columns.index("police_certificate_seen_by_id")

        def resolved(row: tuple) -> tuple:
            values = list(row)
            for key in ("user_id", "interview_by_id", "seen_by"):
                if values[at[key]] is not None:
                    values[at[key]] = user_ids[values[at[key]]]
            return tuple(values)

        self.writer.copy(Volunteer, columns, (resolved(row) for row in rows))
        self.writer.copy(VolunteerLanguage, ["volunteer_id", "code"], language_rows)
        self.by_association: list[list[Person]] = [[] for _ in self.associations]
        for person in self.persons:
            self.by_association[person.association].append(person)

    # --- commitments ------------------------------------------------------------------------

    def commitments(self) -> None:
        rng = self.rng
        rows = []
        leaving = [r for r in CommitmentEnd.values if r != CommitmentEnd.RENEWED]
        for person in self.persons:
            if not person.approved:
                continue
            periods = commitment_periods(rng, person.approved, self.today)
            if person.status == Status.ENDED:
                periods = [p for p in periods if p.starts_on <= person.changed]
                last = periods[-1]
                if last.ended_on is None or last.ended_on > person.changed:
                    last.ended_on, last.end_reason = person.changed, rng.choice(leaving)
            for p in periods:
                note = rng.choice(END_NOTES) if p.ended_on and rng.random() < 0.3 else ""
                rows.append(
                    (
                        person.id,
                        p.starts_on,
                        p.ends_on,
                        p.ended_on,
                        p.end_reason,
                        "" if person.erased else note,
                    )
                )
        self.writer.copy(
            CommitmentPeriod,
            ["volunteer_id", "starts_on", "ends_on", "ended_on", "end_reason", "end_note"],
            rows,
        )

    # --- courses ----------------------------------------------------------------------------

    def courses(self) -> None:
        """Basic-course sessions as often as each association's applicants need (about 18 a
        session); the rest of the sessions are supervision groups (85 %) and specialisation
        courses (15 %), by association size. Every applicant from the course stage on is
        enrolled in a basic session, 15 % of the approved in a specialisation course, and the
        supervision groups are filled from the approved volunteers until the enrolments reach
        their number."""
        rng, s, today = self.rng, self.sizes, self.today
        kinds = {c.kind: c.pk for c in Course.objects.order_by("pk")}
        horizon = today + timedelta(days=60)
        span = (horizon - self.first_day).days
        past_screening = (Status.COURSE, Status.APPROVED, Status.PAUSED, Status.ENDED)

        def schedule(count: int) -> list[date]:
            return sorted(
                self.first_day + timedelta(days=int(span * (k + rng.random()) / count))
                for k in range(count)
            )

        sessions: list[list] = []  # [association index, course id, day, enrolments]
        basic_of: list[list[int]] = []
        for a, people in enumerate(self.by_association):
            learners = [
                p
                for p in people
                if p.status in past_screening or (p.status == Status.REJECTED and p.approved)
            ]
            count = max(1, math.ceil(len(learners) / 18))
            mine = []
            for day in schedule(count):
                mine.append(len(sessions))
                sessions.append([a, kinds[CourseKind.BASIC], day, []])
            basic_of.append(mine)
        rest = max(0, s.sessions - len(sessions))
        special = round(rest * 0.15)
        special_of: list[list[int]] = [[] for _ in self.associations]
        supervision: list[int] = []
        for kind, total in (
            (CourseKind.SPECIALISATION, special),
            (CourseKind.SUPERVISION, rest - special),
        ):
            for a, count in enumerate(largest_remainder(total, self.weights)):
                for day in schedule(count) if count else []:
                    (special_of[a] if kind == CourseKind.SPECIALISATION else supervision).append(
                        len(sessions)
                    )
                    sessions.append([a, kinds[kind], day, []])

        def status(day: date, *, seated_chance: float = 0.85) -> str:
            if day >= today:
                return (
                    EnrolmentStatus.ENROLLED if rng.random() < 0.95 else EnrolmentStatus.CANCELLED
                )
            roll = rng.random()
            if roll < seated_chance:
                return EnrolmentStatus.ATTENDED
            return (
                EnrolmentStatus.ABSENT if roll < seated_chance + 0.10 else EnrolmentStatus.CANCELLED
            )

        enrolled = 0
        for a, people in enumerate(self.by_association):
            days = [(sessions[i][2], i) for i in basic_of[a]]
            for p in people:
                if not (p.status in past_screening or (p.status == Status.REJECTED and p.approved)):
                    continue
                after = [i for day, i in days if day >= p.applied + timedelta(days=7)]
                before = [i for day, i in days if p.approved and day <= p.approved]
                if p.approved and before:
                    chosen = next((i for i in after if sessions[i][2] <= p.approved), before[-1])
                elif after:
                    chosen = after[0]
                else:
                    chosen = days[-1][1]
                day = sessions[chosen][2]
                state = (
                    EnrolmentStatus.ATTENDED
                    if p.approved and day < today
                    else status(day, seated_chance=0.8)
                )
                sessions[chosen][3].append((p.id, state))
                enrolled += 1
                if p.approved and rng.random() < 0.15:
                    later = [i for i in special_of[a] if sessions[i][2] > p.approved]
                    if later:
                        i = later[0]
                        sessions[i][3].append((p.id, status(sessions[i][2])))
                        enrolled += 1
        # Supervision groups, from the volunteers approved by then and not yet gone.
        want = max(0, s.enrolments - enrolled)
        pools = []
        for i in supervision:
            a, _course, day, _e = sessions[i]
            pools.append(
                [
                    p.id
                    for p in self.by_association[a]
                    if p.approved
                    and p.approved <= day
                    and not (p.status in (Status.ENDED, Status.PAUSED) and p.changed < day)
                ]
            )
        for i, pool, count in zip(
            supervision, pools, largest_remainder(want, [len(p) for p in pools]), strict=True
        ):
            for vid in rng.sample(pool, min(count, len(pool))):
                sessions[i][3].append((vid, status(sessions[i][2])))

        ids = self.writer.reserve(Session, len(sessions))
        self.sessions = []
        rows, enrolment_rows = [], []
        seated_states = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT)
        for sid, (a, course, day, enrolments) in zip(ids, sessions, strict=True):
            seated = sum(state in seated_states for _v, state in enrolments)
            capacity = max(seated, rng.choice((16, 20, 24)), 1)
            cancelled = day > today and rng.random() < 0.05 and not enrolments
            hour = rng.choice((17, 18))
            coordinator = self.coordinators[a][0]
            rows.append(
                (
                    sid,
                    course,
                    self.associations[a],
                    _moment(day, hour),
                    _moment(day, hour + 3),
                    rng.choice(PLACES),
                    capacity,
                    _moment(day - timedelta(days=3), 9) if cancelled else None,
                    coordinator,
                )
            )
            self.sessions.append(
                (sid, a, day, [v for v, state in enrolments if state in seated_states])
            )
            for vid, state in enrolments:
                made = _moment(day - timedelta(days=rng.randint(3, 40)), rng.randint(8, 22))
                enrolment_rows.append(
                    (sid, vid, state, made, _moment(day, 22) if day < today else made)
                )
        self.writer.copy(
            Session,
            [
                "id",
                "course_id",
                "association_id",
                "starts_at",
                "ends_at",
                "place",
                "capacity",
                "cancelled_at",
                "created_by_id",
            ],
            rows,
        )
        self.writer.copy(
            Enrolment,
            ["session_id", "volunteer_id", "status", "created_at", "updated_at"],
            enrolment_rows,
        )

    # --- referrals and matches --------------------------------------------------------------

    def referrals(self) -> None:
        """Exact counts per state: `active` running matches (3 % more paused), 5 % of the
        referrals being started (proposed or first meeting planned), 6 % waiting, 8 % withdrawn,
        the rest ended. Dates: a running match started in the last year; an ended one lasted a
        year (75 %) or 30–200 days; waiting referrals came in the last 90 days, mostly lately."""
        rng, s, today = self.rng, self.sizes, self.today
        paused = round(s.active * 0.03)
        starting = round(s.referrals * 0.05)
        waiting = round(s.referrals * 0.06)
        withdrawn = round(s.referrals * 0.08)
        ended = max(0, s.referrals - s.active - paused - starting - waiting - withdrawn)
        kinds = (
            ["active"] * s.active
            + ["paused"] * paused
            + ["starting"] * starting
            + ["waiting"] * waiting
            + ["withdrawn"] * withdrawn
            + ["ended"] * ended
        )
        rng.shuffle(kinds)
        ids = self.writer.reserve(Referral, len(kinds))
        self.cases: list[Case] = []
        self.status_events: list[tuple[Case, date, str]] = []
        for rid, kind in zip(ids, kinds, strict=True):
            a = self.pick(self.cumulative)
            case = Case(id=rid, association=a, shelter=0, kind=kind, created=today)
            if kind in ("active", "paused"):
                case.started = today - timedelta(days=rng.randint(7, 360))
                case.proposed = case.started - timedelta(days=rng.randint(5, 30))
                case.created = case.proposed - timedelta(days=rng.randint(2, 60))
            elif kind == "starting":
                case.created = today - timedelta(days=rng.randint(3, 60))
                case.proposed = day_between(rng, case.created + timedelta(days=1), today)
            elif kind == "waiting":
                case.created = today - timedelta(days=int(90 * rng.random() ** 2))
            elif kind == "withdrawn":
                case.created = day_between(rng, self.first_day, today - timedelta(days=3))
                case.closed = min(today, case.created + timedelta(days=rng.randint(2, 60)))
                if rng.random() < 0.4:
                    case.proposed = day_between(rng, case.created, case.closed)
                case.erased_on = case.closed + timedelta(
                    days=settings.RETENTION_UNMATCHED_REFERRAL_DAYS
                )
                case.erased = case.erased_on <= today
            else:  # ended
                length = rng.randint(300, 380) if rng.random() < 0.75 else rng.randint(30, 200)
                latest = today - timedelta(days=length + 1)
                earliest = self.first_day + timedelta(days=60)
                case.started = day_between(rng, earliest, max(earliest, latest))
                case.ended = min(today, case.started + timedelta(days=length))
                case.proposed = case.started - timedelta(days=rng.randint(5, 30))
                case.created = case.proposed - timedelta(days=rng.randint(2, 60))
                case.closed = case.ended
                self._later_outcome(case)
            self.cases.append(case)

        # Volunteers: an open match takes one of an approved volunteer's places.
        approved = [
            [p for p in people if p.status == Status.APPROVED] for people in self.by_association
        ]
        ever = [[p for p in people if p.approved] for people in self.by_association]
        everyone = [p for p in self.persons if p.status == Status.APPROVED]

        def volunteer_for(case: Case, *, open_: bool) -> Person:
            pool = (approved if open_ else ever)[case.association]
            for _ in range(30):
                if not pool:
                    break
                p = rng.choice(pool)
                if known(p.approved) <= known(case.proposed) and (
                    not open_ or p.open_matches < p.capacity
                ):
                    return p
            for p in pool if pool else everyone:
                if not open_ or p.open_matches < p.capacity:
                    return p
            return rng.choice(pool or everyone)

        referral_rows: list[tuple] = []
        language_rows: list[tuple] = []
        avoid_rows: list[tuple] = []
        event_rows: list[tuple] = []
        match_plans: list[tuple] = []
        for case in self.cases:
            a = case.association
            municipality = self.home(a)
            near = self.near_shelters[municipality]
            j = near[0] if rng.random() < 0.85 or len(near) == 1 else rng.choice(near[1:])
            case.shelter = j
            staff = rng.choice(self.staff[j])
            coordinator = rng.choice(self.coordinators[a])
            case.public_id = self.writer.uuid()
            status = {
                "waiting": ReferralStatus.RECEIVED
                if rng.random() < 0.5
                else ReferralStatus.BEING_MATCHED,
                "starting": ReferralStatus.MATCH_PROPOSED
                if rng.random() < 0.5
                else ReferralStatus.FIRST_MEETING_PLANNED,
                "active": ReferralStatus.ACTIVE,
                "paused": ReferralStatus.ACTIVE,
                "ended": ReferralStatus.ENDED,
                "withdrawn": ReferralStatus.WITHDRAWN,
            }[case.kind]
            considerations = 0
            roll = rng.random()
            if roll < 0.08:
                considerations |= rng.choice(
                    (
                        Consideration.HONOUR_VIOLENCE,
                        Consideration.NEGATIVE_SOCIAL_CONTROL,
                        Consideration.FORCED_MARRIAGE,
                    )
                )
            if rng.random() < 0.25:
                considerations |= Consideration.HAS_CHILDREN
            if rng.random() < 0.05:
                considerations |= Consideration.NEEDS_INTERPRETER
            preferred = "no" if rng.random() < 0.6 else rng.choice(COMMON[1:])
            spoken = list(dict.fromkeys([preferred, *languages(rng)[:2]]))
            changed = case.closed or case.started or case.proposed or case.created
            erased = case.erased
            referral_rows.append(
                (
                    case.id,
                    case.public_id,
                    self.shelters[j],
                    self.associations[a],
                    staff,
                    _moment(case.created, rng.randint(8, 15), rng.randint(0, 59)),
                    "–" if erased else rng.choice(ALIASES),
                    rng.choice(AgeBracket.values),
                    municipality,
                    "" if erased else preferred,
                    "" if erased or rng.random() < 0.3 else f"+474{rng.randint(0, 9999999):07d}",
                    0 if erased else flags(rng, 8, 0.25),
                    0 if erased else flags(rng, 3, 0.5),
                    rng.choice(AgeBracket.values) if rng.random() < 0.3 else "",
                    "" if erased or rng.random() < 0.9 else rng.choice(COMMON),
                    "" if erased or rng.random() < 0.8 else rng.choice(WISHES),
                    0 if erased else considerations,
                    "" if erased or rng.random() < 0.7 else rng.choice(SAFETY_NOTES),
                    case.created + timedelta(days=14) if rng.random() < 0.2 else None,
                    case.created,
                    staff,
                    status,
                    _moment(changed, 13),
                    "" if erased or case.kind != "withdrawn" else rng.choice(WITHDRAWN_REASONS),
                    _moment(case.closed, 13) if case.closed else None,
                    _moment(known(case.erased_on), 3, 15) if erased else None,
                )
            )
            if not erased:
                language_rows += [(case.id, code) for code in spoken]
                if rng.random() < 0.2:
                    area = self.area[a]
                    avoid_rows += [
                        (case.id, m)
                        for m in rng.sample(
                            self.municipality_ids if len(area) < 3 else area, rng.randint(1, 2)
                        )
                        if m != municipality
                    ]
            # The referral's history.
            event_rows.append(
                (case.id, _moment(case.created, 15), "received", "", None, None, "", staff)
            )
            if rng.random() < 0.02 and len(self.associations) > 1:
                elsewhere = self.associations[(a + 1) % len(self.associations)]
                event_rows.append(
                    (
                        case.id,
                        _moment(case.created, 16),
                        "transferred",
                        "",
                        elsewhere,
                        self.associations[a],
                        "" if erased else "Hun flytter til vårt område.",
                        coordinator,
                    )
                )
            steps: list[tuple[date, str]] = []
            if case.kind != "waiting" or status == ReferralStatus.BEING_MATCHED:
                steps.append((case.created + timedelta(days=1), ReferralStatus.BEING_MATCHED))
            if case.proposed:
                steps.append((case.proposed, ReferralStatus.MATCH_PROPOSED))
            if status == ReferralStatus.FIRST_MEETING_PLANNED or case.started:
                steps.append(
                    (known(case.proposed) + timedelta(days=1), ReferralStatus.FIRST_MEETING_PLANNED)
                )
            if case.started:
                steps.append((case.started, ReferralStatus.ACTIVE))
            if case.kind == "ended":
                steps.append((known(case.ended), ReferralStatus.ENDED))
            if case.kind == "withdrawn":
                steps.append((known(case.closed), ReferralStatus.WITHDRAWN))
            case.follow_ups_overdue = []
            self._referral_steps(case, steps, coordinator, staff, event_rows)
            match_plans.append((case, coordinator, status))

        self.writer.copy(
            Referral,
            [
                "id",
                "public_id",
                "shelter_id",
                "association_id",
                "created_by_id",
                "created_at",
                "alias",
                "age_bracket",
                "municipality_id",
                "preferred_language",
                "phone",
                "needs",
                "availability",
                "wish_age_bracket",
                "wish_language",
                "wishes",
                "considerations",
                "safety_notes",
                "desired_start",
                "consent_on",
                "consent_recorded_by_id",
                "status",
                "status_changed_at",
                "withdrawn_reason",
                "closed_at",
                "erased_at",
            ],
            referral_rows,
        )
        self.writer.copy(ReferralLanguage, ["referral_id", "code"], language_rows)
        self.writer.copy(
            Referral.avoid_municipalities.through,
            ["referral_id", "municipality_id"],
            sorted(set(avoid_rows)),
        )
        self.writer.copy(
            ReferralEvent,
            [
                "referral_id",
                "at",
                "kind",
                "status",
                "from_association_id",
                "to_association_id",
                "reason",
                "by_id",
            ],
            event_rows,
        )

        # Matches: the open ones first (they need free places), then the ended ones, then the
        # cancelled proposals before them (8 % of matched referrals, 40 % of withdrawn ones that
        # got as far as a proposal).
        order = sorted(
            match_plans, key=lambda plan: plan[0].kind not in ("active", "paused", "starting")
        )
        matches, events, follow_ups = [], [], []
        for case, coordinator, status in order:
            if not case.proposed:
                continue
            open_ = case.kind in ("active", "paused", "starting")
            if case.kind == "withdrawn" or rng.random() < 0.08:
                earlier = volunteer_for(case, open_=False)
                at = (
                    case.proposed
                    if case.kind == "withdrawn"
                    else max(case.created, case.proposed - timedelta(days=rng.randint(1, 10)))
                )
                reason = (
                    CancelReason.WITHDRAWN
                    if case.kind == "withdrawn"
                    else rng.choice([r for r in CancelReason.values if r != CancelReason.WITHDRAWN])
                )
                cancelled = case.closed if case.kind == "withdrawn" else at + timedelta(days=1)
                matches.append(
                    self._match(
                        case, earlier, MatchStatus.CANCELLED, at, coordinator, cancel_reason=reason
                    )
                )
                events += [
                    (matches[-1][0], _moment(at, 13), MatchStatus.PROPOSED, coordinator),
                    (matches[-1][0], _moment(cancelled, 14), MatchStatus.CANCELLED, coordinator),
                ]
                if case.kind == "withdrawn":
                    continue
            person = volunteer_for(case, open_=open_)
            if open_:
                person.open_matches += 1
            if case.kind == "starting":
                state = (
                    MatchStatus.FIRST_MEETING_PLANNED
                    if status == ReferralStatus.FIRST_MEETING_PLANNED
                    else MatchStatus.PROPOSED
                )
            else:
                state = {
                    "active": MatchStatus.ACTIVE,
                    "paused": MatchStatus.PAUSED,
                    "ended": MatchStatus.ENDED,
                }[case.kind]
            row = self._match(case, person, state, case.proposed, coordinator)
            matches.append(row)
            case.match_id, case.volunteer, case.match_status = row[0], person, state
            case.match_public_id = row[1]
            mid = row[0]
            events.append((mid, _moment(case.proposed, 13), MatchStatus.PROPOSED, coordinator))
            if state != MatchStatus.PROPOSED:
                events.append(
                    (
                        mid,
                        _moment(case.proposed + timedelta(days=1), 10),
                        MatchStatus.FIRST_MEETING_PLANNED,
                        coordinator,
                    )
                )
            if case.started:
                events.append((mid, _moment(case.started, 12), MatchStatus.ACTIVE, coordinator))
                if state == MatchStatus.PAUSED:
                    events.append(
                        (
                            mid,
                            _moment(day_between(rng, case.started, self.today), 12),
                            MatchStatus.PAUSED,
                            coordinator,
                        )
                    )
                if case.ended:
                    events.append((mid, _moment(case.ended, 12), MatchStatus.ENDED, coordinator))
                follow_ups += self._follow_ups(case, coordinator)
        self.writer.copy(
            Match,
            [
                "id",
                "public_id",
                "referral_id",
                "volunteer_id",
                "status",
                "score",
                "proposed_at",
                "proposed_by_id",
                "conflict_checked_at",
                "first_meeting_at",
                "first_meeting_place",
                "started_on",
                "planned_end_on",
                "ended_on",
                "cancel_reason",
                "end_planned",
                "end_initiated_by",
                "end_reason",
                "end_note",
                "outcome_moved_back",
                "outcome_housing",
                "outcome_work_or_study",
                "outcome_network",
                "later_moved_back",
                "later_recorded_on",
                "later_recorded_by_id",
            ],
            matches,
        )
        self.writer.copy(MatchEvent, ["match_id", "at", "status", "by_id"], events)
        self.writer.copy(
            FollowUp,
            ["match_id", "kind", "due_on", "done_on", "with_whom", "note", "done_by_id"],
            follow_ups,
        )
        self.cancelled_matches = sum(1 for m in matches if m[4] == MatchStatus.CANCELLED)

    def _referral_steps(self, case, steps, coordinator, staff, event_rows) -> None:
        for day, status in steps:
            event_rows.append(
                (case.id, _moment(day, 14), "status", status, None, None, "", coordinator)
            )
            self.status_events.append((case, day, status))

    def _match(
        self,
        case: Case,
        person: Person,
        status: str,
        proposed: date,
        coordinator: int,
        *,
        cancel_reason: str = "",
    ) -> tuple:
        rng = self.rng
        mid = self._next_match_id()
        started = (
            case.started
            if status
            not in (MatchStatus.CANCELLED, MatchStatus.PROPOSED, MatchStatus.FIRST_MEETING_PLANNED)
            else None
        )
        first_meeting = None
        if status == MatchStatus.FIRST_MEETING_PLANNED:
            first_meeting = _moment(
                self.today + timedelta(days=rng.randint(1, 14)), rng.choice((11, 13, 17))
            )
        elif started:
            first_meeting = _moment(started, 12)
        ended = status == MatchStatus.ENDED
        planned_end = add_years(started, 1) if started else None
        year_over = ended and planned_end is not None and known(case.ended) >= planned_end
        erased = case.erased
        return (
            mid,
            self.writer.uuid(),
            case.id,
            person.id,
            status,
            rng.randint(40, 95),
            _moment(proposed, 13),
            coordinator,
            _moment(proposed + timedelta(days=1), 9) if status != MatchStatus.PROPOSED else None,
            first_meeting,
            "" if erased or first_meeting is None else rng.choice(FIRST_MEETING_PLACES),
            started,
            planned_end,
            case.ended if ended else None,
            cancel_reason,
            year_over if ended else None,
            rng.choice(InitiatedBy.values) if ended else "",
            (EndReason.YEAR_OVER if year_over else rng.choice(EndReason.values[1:]))
            if ended
            else "",
            "" if erased or not ended or rng.random() < 0.6 else rng.choice(END_NOTES),
            rng.choices((YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN), (85, 5, 10))[0]
            if ended
            else "",
            rng.choice(YesNoUnknown.values) if ended else "",
            rng.choice(YesNoUnknown.values) if ended else "",
            rng.choice(YesNoUnknown.values) if ended else "",
            case.later if ended else "",
            case.later_on if ended else None,
            coordinator if ended and case.later else None,
        )

    def _later_outcome(self, case: Case) -> None:
        """The six-month answer of an ended case, and when retention erased her data
        (matching.retention: RETENTION_ENDED_MATCH_DAYS after the end, but while the answer is
        not recorded it waits for it, up to LATER_OUTCOME_DAYS + LATER_OUTCOME_GRACE_DAYS)."""
        rng, ended = self.later_rng, known(case.ended)
        asked = ended + timedelta(days=LATER_OUTCOME_DAYS)
        if asked <= self.today and rng.random() < 0.7:
            case.later = rng.choices(
                (YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN), (84, 6, 10)
            )[0]
            case.later_on = min(self.today, asked + timedelta(days=rng.randint(0, 20)))
        kept = ended + timedelta(days=settings.RETENTION_ENDED_MATCH_DAYS)
        waited = ended + timedelta(days=LATER_OUTCOME_DAYS + LATER_OUTCOME_GRACE_DAYS)
        case.erased_on = max(kept, case.later_on) if case.later_on else max(kept, waited)
        case.erased = case.erased_on <= self.today

    def _next_match_id(self) -> int:
        if self._match_cursor >= len(self._match_ids):
            # Enough for every referral twice (a cancelled proposal and the match), reserved once.
            self._match_ids = self.writer.reserve(Match, 2 * len(self.cases) + 10)
            self._match_cursor = 0
        mid = self._match_ids[self._match_cursor]
        self._match_cursor += 1
        return mid

    def _follow_ups(self, case: Case, coordinator: int) -> list[tuple]:
        rng, today = self.rng, self.today
        rows = []
        started = known(case.started)
        end = case.ended or add_years(started, 1)
        plan: list[tuple[str, date]] = [
            (kind, started + timedelta(days=days)) for kind, days in FOLLOW_UP_SCHEDULE
        ]
        plan.append((FollowUpKind.CLOSING, end))
        for kind, due in plan:
            if due > end and kind != FollowUpKind.CLOSING:
                continue
            held = due + timedelta(days=rng.randint(-3, 10))
            done = held if held <= today and (case.ended or rng.random() < 0.93) else None
            if done is None and due <= today and not case.ended:
                case.follow_ups_overdue.append((kind, due))
            note = (
                ""
                if case.erased or done is None or rng.random() < 0.6
                else rng.choice(FOLLOW_UP_NOTES)
            )
            rows.append(
                (
                    case.match_id,
                    kind,
                    due,
                    done,
                    flags(self.rng, 3, 0.5) if done else 0,
                    note,
                    coordinator if done else None,
                )
            )
        return rows

    # --- meetings and concerns --------------------------------------------------------------

    def meetings(self) -> None:
        """About weekly while a match runs: the meetings are shared out in proportion to the days
        each match has run. 12 % of the running pairs have gone quiet (nothing for 3–8 weeks);
        the others met in the last two weeks. 92 % of the entries are meetings, the rest tries
        that did not reach her; a quarter carry a short note."""
        rng, s, today = self.rng, self.sizes, self.today
        started = [c for c in self.cases if c.match_id and c.started]
        spans = []
        for case in started:
            if case.ended:
                last = case.ended
            else:
                case.quiet = rng.random() < 0.12
                back = rng.randint(22, 60) if case.quiet else rng.randint(0, 13)
                last = max(known(case.started), today - timedelta(days=back))
            spans.append(last)
        counts = largest_remainder(
            s.meetings,
            [(last - known(c.started)).days + 1 for c, last in zip(started, spans, strict=True)],
        )
        # Concerns: 60 % on running matches, raised with a meeting.
        running = [i for i, c in enumerate(started) if not c.ended and counts[i]]
        finished = [i for i, c in enumerate(started) if c.ended and counts[i]]
        wanted: dict[int, int] = {}
        for _ in range(s.concerns):
            pool = running if (rng.random() < 0.6 and running) or not finished else finished
            i = rng.choice(pool)
            wanted[i] = wanted.get(i, 0) + 1
        ids = self.writer.reserve(Meeting, sum(counts))
        cursor = iter(ids)
        concern_rows = []
        activities_chance = 0.25

        def rows():
            for i, (case, last, count) in enumerate(zip(started, spans, counts, strict=True)):
                if not count:
                    continue
                span = (last - case.started).days
                days = sorted(
                    case.started + timedelta(days=rng.randint(0, span)) for _ in range(count - 1)
                )
                days.append(last)
                made = []
                for day in days:
                    mid = next(cursor)
                    met = rng.random() < 0.92
                    created = min(
                        self.now,
                        _moment(
                            day + timedelta(days=1 if rng.random() < 0.2 else 0),
                            rng.randint(17, 22),
                            rng.randint(0, 59),
                        ),
                    )
                    made.append((mid, created))
                    yield (
                        mid,
                        case.match_id,
                        day,
                        met,
                        rng.choice((30, 45, 60, 60, 90, 120, 150)) if met else None,
                        (flags(rng, 8, activities_chance) or 1) if met else 0,
                        "" if case.erased or rng.random() < 0.75 else rng.choice(NOTES),
                        created,
                        created,
                        case.volunteer.user_id,
                    )
                for mid, raised in rng.sample(made, min(wanted.get(i, 0), len(made))):
                    recent = raised > self.now - timedelta(days=7)
                    followed = (
                        None
                        if (recent and rng.random() < 0.5) or rng.random() < 0.03
                        else raised + timedelta(hours=rng.uniform(0.5, 96))
                    )
                    if followed and followed > self.now:
                        followed = None
                    concern = self.writer.uuid()
                    concern_rows.append(
                        (
                            concern,
                            mid,
                            case.match_id,
                            "–" if case.erased else rng.choice(CONCERNS),
                            raised,
                            case.volunteer.user_id,
                            followed,
                            rng.choice(self.coordinators[case.association]) if followed else None,
                            "" if case.erased or not followed else rng.choice(FOLLOW_UP_NOTES),
                        )
                    )
                    self.concern_events.append((case, raised, concern))

        self.concern_events: list[tuple[Case, datetime, object]] = []
        self.writer.copy(
            Meeting,
            [
                "id",
                "match_id",
                "date",
                "met",
                "minutes",
                "activities",
                "note",
                "created_at",
                "updated_at",
                "created_by_id",
            ],
            rows(),
        )
        self.writer.copy(
            Concern,
            [
                "public_id",
                "meeting_id",
                "match_id",
                "text",
                "raised_at",
                "raised_by_id",
                "followed_up_at",
                "followed_up_by_id",
                "follow_up_note",
            ],
            concern_rows,
        )

    # --- notifications, emails and reminders -----------------------------------------------

    def notifications(self) -> None:
        """What the services and the reminder sweep would have sent over the three years: one
        email per person told (kept, without address or content once a month old) and the
        in-app notification (kept while unread, or for 90 days after she read it)."""
        rng, now, today = self.rng, self.now, self.today
        keep_read = now - timedelta(days=settings.RETENTION_READ_NOTIFICATION_DAYS)
        scrub = now - timedelta(days=settings.RETENTION_SENT_EMAIL_DAYS)
        told: list[tuple] = []  # (at, recipients, kind, link, role, association, shelter)

        def coordinators(case_or_index) -> list[int]:
            return self.coordinators[case_or_index]

        for case in self.cases:
            a = case.association
            told.append(
                (
                    _moment(case.created, 15),
                    coordinators(a),
                    "new_referral",
                    self.link("referral_detail", case.public_id),
                    Role.COORDINATOR,
                    self.associations[a],
                    None,
                )
            )
        shelter_told = {
            ReferralStatus.MATCH_PROPOSED,
            ReferralStatus.FIRST_MEETING_PLANNED,
            ReferralStatus.ACTIVE,
            ReferralStatus.ENDED,
        }
        for case, day, status in self.status_events:
            if status in shelter_told:
                told.append(
                    (
                        _moment(day, 14, 5),
                        self.staff[case.shelter],
                        "referral_status",
                        self.link("referral_detail", case.public_id),
                        Role.SHELTER_STAFF,
                        None,
                        self.shelters[case.shelter],
                    )
                )
            if status == ReferralStatus.WITHDRAWN:
                told.append(
                    (
                        _moment(day, 14, 5),
                        coordinators(case.association),
                        "referral_withdrawn",
                        self.link("referral_detail", case.public_id),
                        Role.COORDINATOR,
                        self.associations[case.association],
                        None,
                    )
                )
        reminders: list[tuple] = []  # (rule, object id, recipient, period, at)
        for case in self.cases:
            person = case.volunteer
            if person is None or person.user_id is None:
                continue
            a = person.association
            told.append(
                (
                    _moment(known(case.proposed), 13, 5),
                    [person.user_id],
                    "match_proposed",
                    self.link("my_match", None),
                    Role.VOLUNTEER,
                    self.associations[a],
                    None,
                )
            )
            if case.match_status != MatchStatus.PROPOSED:
                told.append(
                    (
                        _moment(known(case.proposed) + timedelta(days=1), 9),
                        coordinators(case.association),
                        "match_accepted",
                        self.link("match_detail", case.match_public_id),
                        Role.COORDINATOR,
                        self.associations[case.association],
                        None,
                    )
                )
            if case.quiet:
                due = today - timedelta(days=rng.randint(1, 7))
                told.append(
                    (
                        _moment(due, 7),
                        [person.user_id],
                        "no_meeting_volunteer",
                        self.link("meeting_log", None),
                        Role.VOLUNTEER,
                        self.associations[a],
                        None,
                    )
                )
                reminders.append(
                    (
                        "no_meeting_volunteer",
                        case.match_id,
                        person.user_id,
                        due.isoformat(),
                        _moment(due, 7),
                    )
                )
            for kind, due in case.follow_ups_overdue:
                link = self.link("match_list", None) + "?vis=oppfolging"
                told.append(
                    (
                        _moment(due, 7),
                        coordinators(case.association),
                        "follow_up_due",
                        link,
                        Role.COORDINATOR,
                        self.associations[case.association],
                        None,
                    )
                )
                reminders += [
                    ("follow_up_due", case.match_id, u, f"{kind}", _moment(due, 7))
                    for u in coordinators(case.association)
                ]
        for case, raised, concern in self.concern_events:
            told.append(
                (
                    raised + timedelta(seconds=1),
                    coordinators(case.association),
                    "concern",
                    self.link("concern_detail", concern),
                    Role.COORDINATOR,
                    self.associations[case.association],
                    None,
                )
            )
        for person in self.persons:
            a = person.association
            told.append(
                (
                    _moment(person.applied, 9),
                    coordinators(a),
                    "new_application",
                    self.link("volunteer_detail", person.public_id),
                    Role.COORDINATOR,
                    self.associations[a],
                    None,
                )
            )
            if person.user_id is not None:
                told.append(
                    (
                        _moment(known(person.approved), 14, 5),
                        [person.user_id],
                        "approved",
                        self.link("my_page", None),
                        Role.VOLUNTEER,
                        self.associations[a],
                        None,
                    )
                )
        soon = today - timedelta(days=settings.RETENTION_READ_NOTIFICATION_DAYS)
        for sid, a, day, seated in self.sessions:
            if soon <= day <= today + timedelta(days=2):
                people = list(seated)
                at = _moment(day - timedelta(days=2), 7)
                if at <= now:
                    users = [self._user_of[v] for v in people if self._user_of.get(v)]
                    told.append(
                        (
                            at,
                            users,
                            "session_soon",
                            self.link("my_courses", None),
                            Role.VOLUNTEER,
                            self.associations[a],
                            None,
                        )
                    )
                    reminders += [("session_soon", sid, u, "", at) for u in users]

        notifications, emails = [], []
        failures = 0
        for at, recipients, kind, link, role, association, shelter in told:
            if at > now:
                continue
            for user_id in recipients:
                if not self.user_active.get(user_id):
                    continue
                read = None
                seen = at < now - timedelta(days=2) or rng.random() < 0.4
                if seen and rng.random() < (0.85 if role == Role.VOLUNTEER else 0.92):
                    read = min(now, at + timedelta(hours=rng.uniform(0.2, 48)))
                if read is None or read >= keep_read:
                    notifications.append(
                        (user_id, role, association, shelter, kind, link, at, read)
                    )
                failed = rng.random() < 0.003
                failures += failed
                sent = None if failed else at + timedelta(seconds=rng.randint(2, 120))
                scrubbed = (sent or at) < scrub
                emails.append(
                    (
                        None if scrubbed else user_id,
                        "" if scrubbed else self.user_email[user_id],
                        "notifications/email/task",
                        {} if scrubbed else {"kind": kind, "link": link},
                        self.user_language[user_id],
                        OutboxStatus.FAILED if failed else OutboxStatus.SENT,
                        5 if failed else 1,
                        at,
                        "SMTPServerDisconnected" if failed else "",
                        at,
                        sent,
                    )
                )
        notifications.sort(key=lambda row: row[6])
        emails.sort(key=lambda row: row[7])
        self.writer.copy(
            Notification,
            [
                "recipient_id",
                "role",
                "association_id",
                "shelter_id",
                "kind",
                "link",
                "created_at",
                "read_at",
            ],
            notifications,
        )
        self.writer.copy(
            OutboxMessage,
            [
                "recipient_id",
                "to",
                "template",
                "context",
                "language",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
                "sent_at",
            ],
            emails,
        )
        sweeps: dict[date, object] = {}
        seen = set()
        rows = []
        for rule, object_id, recipient, period, at in reminders:
            key = (rule, object_id, recipient, period)
            if key in seen or not self.user_active.get(recipient):
                continue
            seen.add(key)
            sweep = sweeps.setdefault(at.date(), self.writer.uuid())
            rows.append(
                (
                    rule,
                    object_id,
                    recipient,
                    period,
                    sweep,
                    self.user_digest.get(recipient, False),
                    at,
                )
            )
        self.writer.copy(
            ReminderSent,
            ["rule", "object_id", "recipient_id", "period", "sweep", "digest", "created_at"],
            rows,
        )
        # A few invitations waiting to be accepted.
        invitations = []
        for a in range(len(self.associations)):
            if rng.random() < 0.25:
                made = now - timedelta(days=rng.randint(0, 6))
                invitations.append(
                    (
                        f"invitert{a + 1}@{DOMAIN}",
                        *self.name(),
                        Role.VOLUNTEER,
                        self.associations[a],
                        hashlib.sha256(f"seed_scale invitation {a}".encode()).hexdigest(),
                        self.coordinators[a][0],
                        made,
                        made + timedelta(days=settings.INVITATION_VALID_DAYS),
                    )
                )
        self.writer.copy(
            Invitation,
            [
                "email",
                "first_name",
                "last_name",
                "role",
                "association_id",
                "token_hash",
                "invited_by_id",
                "created_at",
                "expires_at",
            ],
            invitations,
        )

    @property
    def _user_of(self) -> dict[int, int]:
        if not hasattr(self, "_users_of_volunteers"):
            self._users_of_volunteers = {
                p.id: p.user_id
                for p in self.persons
                if p.user_id and self.user_active.get(p.user_id)
            }
        return self._users_of_volunteers

    # --- last touches -----------------------------------------------------------------------

    def last_touches(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Volunteer._meta.db_table} v SET last_matched_at = m.last
                FROM (SELECT volunteer_id, max(proposed_at) AS last FROM {Match._meta.db_table}
                      WHERE status <> %s GROUP BY volunteer_id) m
                WHERE v.id = m.volunteer_id
                """,  # noqa: S608 - table names from the models
                [MatchStatus.CANCELLED],
            )
            cursor.execute("ANALYZE")


def _count(values) -> dict:
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
