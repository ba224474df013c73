"""Association A (Oslo) with one of everything, association B (Bergen) with its own, the people
who try A's pages, and a snapshot of A's rows: shared by the access matrix and the fuzz tests.

Every text of A that must never reach B is a sentinel: a word found nowhere else, so a page
that shows it has leaked A's data.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence, Invitation, Membership, Role, User
from accounts.services import invitation_create
from courses.models import (
    CalendarFeed,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Gathering,
    GatheringSignUp,
    Session,
)
from courses.services import calendar_feed_get_or_create
from matching.models import (
    Concern,
    FollowUp,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    Referral,
    ReferralEvent,
    ReferralLanguage,
    ReferralStatus,
)
from matching.notifications import CONCERN, NEW_REFERRAL
from notifications.models import Notification, OutboxMessage
from supervision.models import Attendance, Expectation, GroupSession, SupervisionGroup
from tests.conftest import login
from tests.factories import municipality, person
from volunteers.models import (
    CommitmentPeriod,
    ConfidentialityDeclaration,
    Volunteer,
    VolunteerImport,
    VolunteerLanguage,
    WellbeingCheck,
)

PASSWORD = "et-helt-nytt-og-langt-passord"

# The texts of A. Lower case is compared with the lower-cased page.
SENTINELS = {
    "alias": "Zqxalias",
    "waiting_alias": "Zqxventer",
    "proposed_alias": "Zqxforeslatt",
    "safety_notes": "ZQXSAFETY-notes",
    "waiting_safety_notes": "ZQXSAFETY-waiting",
    "wishes": "ZQXWISH-text",
    "meeting_note": "ZQXMEETING-note",
    "concern": "ZQXCONCERN-text",
    "follow_up_note": "ZQXFOLLOWUP-note",
    "venn_first_name": "Zqxvenn",
    "venn_email": "zqxvenn@frivillig.example",
    "applicant_first_name": "Zqxsoker",
    "applicant_email": "zqxsoker@frivillig.example",
    "motivation": "ZQXMOTIVATION-text",
    "interview_note": "ZQXINTERVIEW-note",
    "session_place": "Zqxkurssted",
    "session_notes": "ZQXSESSION-notes",
    "invitation_email": "zqxinvitert@example.no",
    "invitation_first_name": "Zqxinvitert",
    "outbox_subject": "ZQXOUTBOX-subject",
    "commitment_note": "ZQXCOMMITMENT-note",
    "withdrawn_reason": "ZQXWITHDRAWN-reason",
    "wellbeing_note": "ZQXWELLBEING-note",
    "group_place": "Zqxveiledningssted",
}


@dataclass
class World:
    """A's objects (the targets), B's own, and who knocks on A's doors."""

    oslo: object
    bergen: object
    oslo_shelter: object
    bergen_shelter: object
    coordinator_oslo: User
    shelter_worker_oslo: User
    venn_user: User
    venn: Volunteer
    other_volunteer: Volunteer
    applicant: Volunteer
    referral: Referral
    waiting_referral: Referral
    proposed_referral: Referral
    match: Match
    proposed_match: Match
    security_key: object  # allauth's Authenticator of A's coordinator
    meeting: Meeting
    concern: Concern
    follow_up: FollowUp
    done_follow_up: FollowUp
    session: Session
    held_session: Session
    enrolment: Enrolment
    held_enrolments: list
    invitation: Invitation
    invitation_token: str
    feed: CalendarFeed
    notification: Notification
    outbox: OutboxMessage
    declaration: ConfidentialityDeclaration
    course: Course
    # People: key -> user (None: logged out).
    actors: dict = field(default_factory=dict)
    bergen_volunteer: Volunteer | None = None
    bergen_referral: Referral | None = None
    outside_applicant: Volunteer | None = None  # made by the fuzz tests only
    today: object = None
    wellbeing: WellbeingCheck | None = None  # the matched volunteer's answer: "I need to talk"
    gathering: Gathering | None = None  # Oslo's own gathering, the matched volunteer signed up
    gathering_sign_up: GatheringSignUp | None = None
    # A's supervision group (led by the "group_leader_oslo" actor) and a session of it held.
    group: SupervisionGroup | None = None
    group_session: GroupSession | None = None
    # A's coordinator's uploaded sheet, waiting for her confirmation (one new volunteer).
    volunteer_import: VolunteerImport | None = None

    @property
    def a_users(self) -> list[User]:
        return [self.coordinator_oslo, self.shelter_worker_oslo, self.venn_user, self.actor_oslo]

    @property
    def actor_oslo(self) -> User:
        return self.actors["volunteer_oslo"]

    def sentinels(self) -> dict[str, str]:
        """Every sentinel text, and the public ids and tokens of A's objects."""
        ids = {
            "referral_id": self.referral.public_id,
            "waiting_referral_id": self.waiting_referral.public_id,
            "proposed_referral_id": self.proposed_referral.public_id,
            "match_id": self.match.public_id,
            "proposed_match_id": self.proposed_match.public_id,
            "meeting_id": self.meeting.public_id,
            "concern_id": self.concern.public_id,
            "follow_up_id": self.follow_up.public_id,
            "venn_id": self.venn.public_id,
            "wellbeing_id": self.wellbeing.public_id if self.wellbeing else "",
            "applicant_id": self.applicant.public_id,
            "session_id": self.session.public_id,
            "enrolment_id": self.enrolment.public_id,
            "invitation_id": self.invitation.public_id,
            "notification_id": self.notification.public_id,
            "invitation_token": self.invitation_token,
            "feed_token": self.feed.token,
        }
        return {**SENTINELS, **{key: str(value) for key, value in ids.items()}}


def _referral(shelter, association, number: str, by: User, **fields) -> Referral:
    values = {"alias": "Kari", "age_bracket": "26-35", "status": ReferralStatus.RECEIVED}
    referral = Referral.objects.create(
        shelter=shelter,
        association=association,
        municipality=municipality(number),
        preferred_language="no",
        consent_on=timezone.localdate(),
        consent_recorded_by=by,
        created_by=by,
        **{**values, **fields},
    )
    ReferralLanguage.objects.create(referral=referral, code="no")
    return referral


def _active_match(volunteer, referral, by: User, today) -> Match:
    match = Match.objects.create(
        referral=referral,
        volunteer=volunteer,
        status=MatchStatus.ACTIVE,
        proposed_by=by,
        conflict_checked_at=timezone.now() - timedelta(days=40),
        first_meeting_at=timezone.now() - timedelta(days=30),
        first_meeting_place="Kafeen",
        started_on=today - timedelta(days=30),
        planned_end_on=today + timedelta(days=335),
    )
    MatchEvent.objects.create(match=match, status=MatchStatus.ACTIVE, by=by)
    return match


def _upcoming_session(association, course, by, **fields) -> Session:
    day = timezone.localdate() + timedelta(days=5)
    return Session.objects.create(
        course=course,
        association=association,
        starts_at=timezone.make_aware(datetime.combine(day, time(17))),
        ends_at=timezone.make_aware(datetime.combine(day, time(20))),
        capacity=10,
        created_by=by,
        **fields,
    )


def make_world(request) -> World:
    """A (Oslo, Oslo krisesenter) with a case in every state the pages need; B (Bergen) with a
    smaller case of its own, so B's pages have rows of their own to show. The people come from
    the fixtures of tests/conftest.py, the makers from tests/matching/conftest.py."""
    f = request.getfixturevalue
    oslo, bergen, oslo_shelter, bergen_shelter = (
        f("oslo"),
        f("bergen"),
        f("oslo_shelter"),
        f("bergen_shelter"),
    )
    coordinator_oslo, coordinator_bergen = f("coordinator_oslo"), f("coordinator_bergen")
    shelter_worker_oslo, shelter_worker_bergen = (
        f("shelter_worker_oslo"),
        f("shelter_worker_bergen"),
    )
    volunteer_oslo, national_admin, stranger = (
        f("volunteer_oslo"),
        f("national_admin"),
        f("stranger"),
    )
    make_volunteer, make_referral = f("make_volunteer"), f("make_referral")
    s = SENTINELS
    today = timezone.localdate()
    course = Course.objects.get(required_for_matching=True)
    declaration = ConfidentialityDeclaration.current() or (
        ConfidentialityDeclaration.objects.create(version=1, text="Taushet.")
    )

    # --- A: the matched volunteer, her active case and a proposal to her --------------------
    venn_user = person(
        Role.VOLUNTEER, place=oslo, first_name=s["venn_first_name"], email=s["venn_email"]
    )
    venn = make_volunteer(
        oslo,
        user=venn_user,
        first_name=s["venn_first_name"],
        last_name="Hansen",
        email=s["venn_email"],
        capacity=3,
    )
    referral = make_referral(
        oslo,
        alias=s["alias"],
        safety_notes=s["safety_notes"],
        wishes=s["wishes"],
        status=ReferralStatus.ACTIVE,
    )
    match = _active_match(venn, referral, coordinator_oslo, today)
    meeting = Meeting.objects.create(
        match=match,
        date=today - timedelta(days=1),
        met=True,
        minutes=60,
        activities=1,
        note=s["meeting_note"],
        created_by=venn_user,
    )
    concern = Concern.objects.create(
        match=match, meeting=meeting, text=s["concern"], raised_by=venn_user
    )
    follow_up = FollowUp.objects.create(match=match, kind="1m", due_on=today)
    volunteer_import = VolunteerImport.objects.create(
        association=oslo,
        created_by=coordinator_oslo,
        rows=json.dumps(
            [
                {
                    "line": 2,
                    "outcome": "new",
                    "problems": [],
                    "values": {
                        "first_name": "Importa",
                        "last_name": "Arkvik",
                        "email": "importa@example.no",
                        "phone": "+4791234599",
                        "municipality": oslo.municipalities.first().pk,
                        "birth_year": 1980,
                        "languages": ["no"],
                        "status": "applied",
                        "course_completed_on": None,
                        "commitment_from": None,
                        "motivation": "",
                    },
                    "shown": {"first_name": "Importa"},
                }
            ]
        ),
    )
    wellbeing = WellbeingCheck.objects.create(
        volunteer=venn, feeling=2, needs_talk=True, note=s["wellbeing_note"]
    )
    done_follow_up = FollowUp.objects.create(
        match=match,
        kind="2w",
        due_on=today - timedelta(days=16),
        done_on=today - timedelta(days=15),
        with_whom=1,
        note=s["follow_up_note"],
        done_by=coordinator_oslo,
    )
    CommitmentPeriod.objects.filter(volunteer=venn).update(end_note=s["commitment_note"])
    proposed_referral = make_referral(
        oslo, alias=s["proposed_alias"], status=ReferralStatus.MATCH_PROPOSED
    )
    proposed_match = Match.objects.create(
        referral=proposed_referral,
        volunteer=venn,
        status=MatchStatus.PROPOSED,
        proposed_by=coordinator_oslo,
        conflict_checked_at=timezone.now() - timedelta(days=1),
    )
    waiting_referral = make_referral(
        oslo,
        alias=s["waiting_alias"],
        safety_notes=s["waiting_safety_notes"],
        status=ReferralStatus.RECEIVED,
    )
    ReferralEvent.objects.create(referral=waiting_referral, kind="received", by=shelter_worker_oslo)
    make_referral(
        oslo,
        alias="Kari",
        status=ReferralStatus.WITHDRAWN,
        withdrawn_reason=s["withdrawn_reason"],
        closed_at=timezone.now(),
    )

    # --- A: a volunteer who is not on that case (she tries A's pages), and an applicant -----
    other_volunteer = make_volunteer(
        oslo, user=volunteer_oslo, first_name="Nora", email=volunteer_oslo.email
    )
    applicant = make_volunteer(
        oslo,
        status="course",
        commitment=False,
        first_name=s["applicant_first_name"],
        last_name="Berg",
        email=s["applicant_email"],
        motivation=s["motivation"],
        interview_on=today - timedelta(days=20),
        interview_by=coordinator_oslo,
        interview_note=s["interview_note"],
        first_reference_checked_on=today - timedelta(days=19),
        second_reference_checked_on=today - timedelta(days=18),
        confidentiality_signed_on=today - timedelta(days=17),
        confidentiality_version=declaration,
        police_certificate_seen_on=today - timedelta(days=16),
        police_certificate_seen_by=coordinator_oslo,
        police_certificate_legal_basis="Politiregisterloven § 39",
    )

    # --- A: course sessions, invitation, notification, outbox, calendar feed ---------------
    # A supervision group's: the volunteers here have completed the basic course, which is not
    # offered to them again (courses.models.COMPLETED_ONCE), and a group is met again and again.
    supervision = Course.objects.get(kind=CourseKind.SUPERVISION)
    session = _upcoming_session(
        oslo, supervision, coordinator_oslo, place=s["session_place"], notes=s["session_notes"]
    )
    enrolment = Enrolment.objects.create(
        session=session, volunteer=venn, status=EnrolmentStatus.ENROLLED
    )
    held_enrolments = list(
        Enrolment.objects.filter(
            volunteer__in=[venn, other_volunteer], status=EnrolmentStatus.ATTENDED
        ).order_by("pk")
    )
    held_session = held_enrolments[0].session
    acting = Membership.objects.get(user=coordinator_oslo)
    invitation, invitation_token = invitation_create(
        invited_by=coordinator_oslo,
        acting=acting,
        email=s["invitation_email"],
        role=Role.VOLUNTEER,
        association=oslo,
        first_name=s["invitation_first_name"],
    )
    notification = Notification.objects.create(
        recipient=coordinator_oslo,
        kind=CONCERN,
        link=reverse("concern_detail", args=[concern.public_id]),
    )
    outbox = OutboxMessage.objects.create(
        recipient=coordinator_oslo,
        to=coordinator_oslo.email,
        template="matching/email/concern",
        subject=s["outbox_subject"],
        body=s["outbox_subject"],
        context={"alias": s["alias"]},
    )
    feed = calendar_feed_get_or_create(volunteer=venn)
    gathering = Gathering.objects.create(
        title="Oslos samling",
        starts_at=session.starts_at + timedelta(days=20),
        ends_at=session.ends_at + timedelta(days=20),
        place="Samlingshuset",
        sign_up_by=today + timedelta(days=10),
        organiser=oslo,
        created_by=coordinator_oslo,
    )
    gathering.associations.set([oslo])
    gathering_sign_up = GatheringSignUp.objects.create(gathering=gathering, volunteer=venn)
    # A's group leader: a volunteer of Oslo acting as the leader of A's supervision group. She
    # may see the group (its members' names, its sessions, their attendance), nothing else.
    group_leader = person(
        Role.GROUP_LEADER, place=oslo, first_name="Gudrun", email="gudrun@frivillig.example"
    )
    leader_volunteer = make_volunteer(
        oslo, user=group_leader, first_name="Gudrun", email=group_leader.email
    )
    group = SupervisionGroup.objects.create(
        association=oslo, name="Gruppe Oslo", leader=leader_volunteer
    )
    group.members.set([venn, other_volunteer])
    group_starts = timezone.now() - timedelta(days=7)
    group_session = GroupSession.objects.create(
        group=group,
        starts_at=group_starts,
        ends_at=group_starts + timedelta(hours=2),
        place=s["group_place"],
        attendance_recorded_at=timezone.now(),
    )
    Attendance.objects.create(session=group_session, volunteer=venn)

    # --- B: Bergen's own volunteer and case -------------------------------------------------
    volunteer_bergen = person(
        Role.VOLUNTEER, place=bergen, first_name="Berit", email="berit@frivillig.example"
    )
    bergen_volunteer = make_volunteer(
        bergen, user=volunteer_bergen, first_name="Berit", email=volunteer_bergen.email
    )
    bergen_referral = _referral(
        bergen_shelter, bergen, "4601", shelter_worker_bergen, status=ReferralStatus.ACTIVE
    )
    bergen_match = _active_match(bergen_volunteer, bergen_referral, coordinator_bergen, today)
    bergen_meeting = Meeting.objects.create(
        match=bergen_match,
        date=today,
        met=True,
        minutes=30,
        note="Tur",
        created_by=volunteer_bergen,
    )
    Concern.objects.create(
        match=bergen_match, meeting=bergen_meeting, text="Litt uro", raised_by=volunteer_bergen
    )
    FollowUp.objects.create(match=bergen_match, kind="1m", due_on=today)
    bergen_session = _upcoming_session(bergen, course, coordinator_bergen, place="Bergen sentrum")
    Enrolment.objects.create(session=bergen_session, volunteer=bergen_volunteer)
    Notification.objects.create(
        recipient=coordinator_bergen, kind=NEW_REFERRAL, link=reverse("referral_list")
    )
    calendar_feed_get_or_create(volunteer=bergen_volunteer)
    from allauth.mfa.models import Authenticator

    security_key = Authenticator.objects.create(
        user=coordinator_oslo, type=Authenticator.Type.WEBAUTHN, data={"name": "Nøkkel"}
    )

    return World(
        oslo=oslo,
        bergen=bergen,
        oslo_shelter=oslo_shelter,
        bergen_shelter=bergen_shelter,
        coordinator_oslo=coordinator_oslo,
        shelter_worker_oslo=shelter_worker_oslo,
        venn_user=venn_user,
        venn=venn,
        other_volunteer=other_volunteer,
        applicant=applicant,
        referral=referral,
        waiting_referral=waiting_referral,
        proposed_referral=proposed_referral,
        match=match,
        proposed_match=proposed_match,
        security_key=security_key,
        meeting=meeting,
        concern=concern,
        follow_up=follow_up,
        done_follow_up=done_follow_up,
        session=session,
        held_session=held_session,
        enrolment=enrolment,
        held_enrolments=held_enrolments,
        invitation=invitation,
        invitation_token=invitation_token,
        feed=feed,
        notification=notification,
        outbox=outbox,
        declaration=declaration,
        course=course,
        actors={
            "logged_out": None,
            "stranger": stranger,
            "coordinator_bergen": coordinator_bergen,
            "shelter_worker_bergen": shelter_worker_bergen,
            "volunteer_bergen": volunteer_bergen,
            "volunteer_oslo": volunteer_oslo,
            "national_admin": national_admin,
            "group_leader_oslo": group_leader,
            # Django's admin is hers alone (a national admin who is a superuser).
            "superuser_admin": person(
                Role.NATIONAL_ADMIN, email="sigrid@nks.example", is_superuser=True
            ),
        },
        bergen_volunteer=bergen_volunteer,
        bergen_referral=bergen_referral,
        today=today,
        wellbeing=wellbeing,
        gathering=gathering,
        gathering_sign_up=gathering_sign_up,
        group=group,
        group_session=group_session,
        volunteer_import=volunteer_import,
    )


# --- A's rows, before and after -----------------------------------------------------------------


def snapshot(w: World, *, actor: User | None = None) -> dict[str, list[dict]]:
    """Every row of A that a request could change, as plain values. The rows of `actor` herself
    (when she is one of A's people) are left out: changing her own settings is her right."""
    people = [u.pk for u in w.a_users if actor is None or u.pk != actor.pk]
    referrals = Referral.objects.filter(Q(association=w.oslo) | Q(shelter=w.oslo_shelter))
    matches = Match.objects.filter(referral__in=referrals)
    volunteers = Volunteer.objects.filter(association=w.oslo)
    if actor is not None:
        volunteers = volunteers.exclude(user=actor)
    emails = [*User.objects.filter(pk__in=people).values_list("email", flat=True)]
    emails += [w.applicant.email, w.invitation.email]
    tables = {
        "referral": referrals,
        "referral_event": ReferralEvent.objects.filter(referral__in=referrals),
        "referral_language": ReferralLanguage.objects.filter(referral__in=referrals),
        "referral_avoid": Referral.avoid_municipalities.through.objects.filter(
            referral__in=referrals
        ),
        "match": matches,
        "match_event": MatchEvent.objects.filter(match__in=matches),
        "meeting": Meeting.objects.filter(match__in=matches),
        "concern": Concern.objects.filter(match__in=matches),
        "follow_up": FollowUp.objects.filter(match__in=matches),
        "volunteer": volunteers,
        "volunteer_language": VolunteerLanguage.objects.filter(volunteer__in=volunteers),
        "commitment": CommitmentPeriod.objects.filter(volunteer__in=volunteers),
        "session": Session.objects.filter(association=w.oslo),
        "enrolment": Enrolment.objects.filter(
            session__association=w.oslo, volunteer__in=volunteers
        ),
        "calendar_feed": CalendarFeed.objects.filter(volunteer__in=volunteers),
        "gathering": Gathering.objects.filter(organiser=w.oslo),
        "gathering_sign_up": GatheringSignUp.objects.filter(volunteer__in=volunteers),
        "wellbeing": WellbeingCheck.objects.filter(volunteer__in=volunteers),
        "invitation": Invitation.objects.filter(Q(association=w.oslo) | Q(shelter=w.oslo_shelter)),
        "notification": Notification.objects.filter(recipient__in=people),
        "outbox": OutboxMessage.objects.filter(Q(recipient__in=people) | Q(to__in=emails)),
        "user": User.objects.filter(Q(pk__in=people) | Q(email__in=emails)),
        "membership": Membership.objects.filter(
            Q(user__in=people) | Q(association=w.oslo) | Q(shelter=w.oslo_shelter)
        ).exclude(user=actor),
        "email_address": EmailAddress.objects.filter(user__in=people),
        "authenticator": Authenticator.objects.filter(user__in=people),
        "association": type(w.oslo).objects.filter(pk=w.oslo.pk),
        "absence": Absence.objects.filter(user__in=people),
        "coverage": w.oslo.coverage.all(),
        "shelter": type(w.oslo_shelter).objects.filter(pk=w.oslo_shelter.pk),
        "supervision_group": SupervisionGroup.objects.filter(association=w.oslo),
        "supervision_members": SupervisionGroup.members.through.objects.filter(
            supervisiongroup__association=w.oslo
        ),
        "supervision_session": GroupSession.objects.filter(group__association=w.oslo),
        "supervision_attendance": Attendance.objects.filter(session__group__association=w.oslo),
        "supervision_expectation": Expectation.objects.filter(association=w.oslo),
    }
    found = {name: list(queryset.order_by("pk").values()) for name, queryset in tables.items()}
    for row in found["user"]:
        del row["last_login"]  # a person logging in again is not a change to her
    return found


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, in words: table, row and field."""
    found = []
    for table, rows in before.items():
        old = {row["id"]: row for row in rows}
        new = {row["id"]: row for row in after[table]}
        for pk in old.keys() - new.keys():
            found.append(f"{table} #{pk} deleted")
        for pk in new.keys() - old.keys():
            found.append(f"{table} #{pk} created")
        for pk in old.keys() & new.keys():
            fields = [name for name in old[pk] if old[pk][name] != new[pk][name]]
            if fields:
                found.append(f"{table} #{pk} changed: {', '.join(fields)}")
    return found


class Writes:
    """Records the tables a request writes to (an execute wrapper): when it wrote nothing but
    its session and the access log, none of A's rows can have changed."""

    VERB = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
    IGNORED = frozenset({"django_session", "accounts_accesslog", "accounts_accessloghead"})

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        found = self.VERB.match(sql)
        if found and found.group(1) not in self.IGNORED:
            self.tables.add(found.group(1))
        return execute(sql, params, many, context)


# --- Clients --------------------------------------------------------------------------------------


def client_for(client_class, user: User | None):
    """A client logged in as `user` (both steps passed), or logged out."""
    client = client_class(raise_request_exception=False)
    if user is not None:
        login(client, user)
    return client


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def still_logged_in(client, user: User | None, key_before: str | None) -> bool:
    """Whether the request left her logged in (asked of the database only when the session
    changed: a logout, a new session key, or a session lost to the savepoint's rollback)."""
    if user is None or session_key(client) == key_before:
        return True
    return client.session.get("_auth_user_id") == str(user.pk)


def leaked(response, forbidden: dict[str, str], path: str) -> list[str]:
    """The sentinels found in the response's body or Location (those in the requested path
    itself are not counted: an error page may echo its own address)."""
    text = (response.content.decode("utf-8", "replace") + response.get("Location", "")).lower()
    path = path.lower()
    return [
        key
        for key, value in forbidden.items()
        if value.lower() in text and value.lower() not in path
    ]
