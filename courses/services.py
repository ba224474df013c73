"""State changes for course sessions and enrolment. Each is one transaction.

Seats are contested: two people may take the last one at the same moment. Every change that
takes or frees a seat locks the session row first (select_for_update), so the seat count it
reads cannot change before it writes.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from accounts.models import Association, Role
from courses import notifications as kinds
from courses import selectors
from courses.models import (
    NEEDS_SPECIALISATION,
    SEATED,
    SIGNED,
    CalendarFeed,
    Course,
    Enrolment,
    EnrolmentStatus,
    Gathering,
    GatheringSignUp,
    Session,
    SignUpStatus,
)
from notifications.kinds import NotificationKind
from notifications.services import email_send, notify


class CourseError(Exception):
    """A change the rules do not allow; the message is for the person who tried."""


@dataclass
class EnrolmentResult:
    enrolled: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    # (volunteer, reason): Any, as courses sit below volunteers and do not import them.
    skipped: list[tuple[Any, str]] = field(default_factory=list)


def _tell(session: Session, volunteers: Iterable, kind: NotificationKind) -> None:
    """Tell the volunteers about news of a session they are signed up for. Those with a login
    get a notification (and its neutral email); an applicant without a login yet gets an email
    with the time and place, in the language she applied in. Never the course's title: an
    email is read over her shoulder too (as a calendar entry is, courses/ics.py). Nobody who
    has left or is erased is told anything (Volunteer.refusal)."""
    volunteers = [v for v in volunteers if not v.refusal("notify")]
    notify(
        recipients=[v.user for v in volunteers if v.user_id],
        kind=kind,
        link=reverse("my_courses"),
        role=Role.VOLUNTEER,
        association_id=session.association_id,
    )
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    for volunteer in volunteers:
        if volunteer.user_id:
            continue
        with translation.override(volunteer.language):
            when = _("%(day)s, %(start)s–%(end)s") % {
                "day": date_format(starts, "DATE_FORMAT"),
                "start": time_format(starts, "TIME_FORMAT"),
                "end": time_format(ends, "TIME_FORMAT"),
            }
        email_send(
            to=volunteer.email,
            template="courses/email/session_news",
            context={
                "first_name": volunteer.first_name,
                "news": kind.code,
                "when": when,
                "place": session.place,
            },
            language=volunteer.language,
        )


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise CourseError(_("The session must end after it starts."))


def session_create(
    *,
    association: Association,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    capacity: int,
    notes: str = "",
    by,
) -> Session:
    """Side effects: creates a Session of `association`."""
    _check_times(starts_at, ends_at)
    return Session.objects.create(
        association=association,
        course=course,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        capacity=capacity,
        notes=notes,
        created_by=by,
    )


@transaction.atomic
def session_update(
    *,
    session: Session,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    capacity: int,
    notes: str = "",
) -> Session:
    """Change a session. Capacity can grow (waiting volunteers get the new seats) but not
    shrink below those already seated.

    Side effects: updates the Session; may promote waiting enrolments (and tell them); when
    the time or place changes, everyone signed up or waiting is told.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    # A held session is history: moving it would quietly change who has completed the course.
    _check_open(locked)
    _check_times(starts_at, ends_at)
    seated = locked.enrolments.filter(status__in=SEATED).count()
    if capacity < seated:
        raise CourseError(
            _("%(seated)s volunteers already have a seat; the capacity cannot be lower.")
            % {"seated": seated}
        )
    moved = (locked.starts_at, locked.ends_at, locked.place.strip()) != (
        starts_at,
        ends_at,
        place.strip(),
    )
    locked.course, locked.starts_at, locked.ends_at = course, starts_at, ends_at
    locked.place, locked.capacity, locked.notes = place, capacity, notes
    locked.save()
    promoted = _promote_waiting(locked)
    if moved:
        _tell(
            locked,
            [
                e.volunteer
                for e in locked.enrolments.filter(
                    status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
                )
                .exclude(volunteer__in=promoted)
                .select_related("volunteer__user")
            ],
            kinds.SESSION_CHANGED,
        )
    return locked


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    """Cancel a session that has not started.

    Side effects: sets cancelled_at; tells every enrolled or waiting volunteer.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.is_cancelled:
        raise CourseError(_("The session is already cancelled."))
    if locked.has_started:
        raise CourseError(_("A session that has started cannot be cancelled."))
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    _tell(
        locked,
        [
            e.volunteer
            for e in locked.enrolments.filter(
                status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
            ).select_related("volunteer__user")
        ],
        kinds.SESSION_CANCELLED,
    )
    return locked


def _seats_free(session: Session) -> int:
    return session.capacity - session.enrolments.filter(status__in=SEATED).count()


def _check_open(session: Session) -> None:
    if session.is_cancelled:
        raise CourseError(_("The session is cancelled."))
    if session.has_started:
        raise CourseError(_("The session has already started."))


@transaction.atomic
def enrol(
    *, session: Session, volunteers: Iterable, by=None, self_service: bool = False
) -> EnrolmentResult:
    """Give each volunteer a seat, or a place on the waiting list when the session is full.

    A coordinator enrols volunteers of her association from screening on; a volunteer signs
    herself up from the course stage on (`self_service`), never for a course she has completed
    (COMPLETED_ONCE kinds: CourseError). Volunteers who cannot be enrolled are
    returned in `skipped` with the reason.
    Side effects: creates or reactivates Enrolments; notifies volunteers enrolled by someone
    else.
    """
    # The race: two sign-ups for the last seat. The lock makes the second wait and then see it
    # taken, so capacity is never exceeded.
    locked = Session.objects.select_for_update().get(pk=session.pk)
    _check_open(locked)
    if self_service and locked.course.is_completed_once:
        # A course she has completed is not offered to her again (her coordinator may still
        # sign her up, for a refresher).
        volunteers = list(volunteers)
        if any(selectors.has_completed(locked.course, v) for v in volunteers):
            raise CourseError(_("You have already completed this course."))
    result = EnrolmentResult()
    free = _seats_free(locked)
    existing = {e.volunteer_id: e for e in locked.enrolments.all()}
    for volunteer in volunteers:
        if volunteer.association_id != locked.association_id:
            result.skipped.append((volunteer, _("She belongs to another association.")))
            continue
        # The volunteer decides who may take courses, and from which stage (courses never
        # imports volunteers): never someone erased or who has left.
        refusal = volunteer.refusal("enrol")
        if refusal:
            result.skipped.append((volunteer, refusal))
            continue
        if not volunteer.can_be_enrolled(self_service=self_service):
            result.skipped.append(
                (volunteer, _("She is not at a stage where she can take courses."))
            )
            continue
        enrolment = existing.get(volunteer.pk)
        if enrolment and enrolment.status != EnrolmentStatus.CANCELLED:
            result.skipped.append((volunteer, _("She is already signed up.")))
            continue
        status = EnrolmentStatus.ENROLLED if free > 0 else EnrolmentStatus.WAITING
        queued_at = timezone.now() if status == EnrolmentStatus.WAITING else None
        if enrolment is None:
            enrolment = Enrolment.objects.create(
                session=locked, volunteer=volunteer, status=status, queued_at=queued_at
            )
            # The same volunteer twice in `volunteers` is then "already signed up", not a
            # second row that breaks the unique constraint.
            existing[volunteer.pk] = enrolment
        else:
            enrolment.status, enrolment.queued_at = status, queued_at
            enrolment.save(update_fields=["status", "queued_at", "updated_at"])
        if status == EnrolmentStatus.ENROLLED:
            free -= 1
            result.enrolled.append(volunteer)
        else:
            result.waiting.append(volunteer)
    if not self_service:
        _tell(locked, result.enrolled, kinds.SESSION_ENROLLED)
    return result


@transaction.atomic
def sign_off(*, enrolment: Enrolment) -> None:
    """Give up a seat (or a place in line) before the session starts.

    Side effects: the enrolment becomes cancelled; the first on the waiting list gets the seat
    and a notification.
    """
    locked = Session.objects.select_for_update().get(pk=enrolment.session_id)
    _check_open(locked)
    enrolment.refresh_from_db()
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING):
        raise CourseError(_("She is not signed up for this session."))
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.queued_at = None
    enrolment.save(update_fields=["status", "queued_at", "updated_at"])
    _promote_waiting(locked)


@transaction.atomic
def enrolments_withdraw(*, volunteer) -> int:
    """She has left, or her data is erased: give up her seats and places in line in sessions
    that have not started, and her places at gatherings not yet held. Sessions held keep her attendance (it is history).

    Side effects: those enrolments become cancelled (she is not told); in each session the
    first on the waiting list gets the freed seat and a notification. Returns how many.
    """
    enrolments = list(
        Enrolment.objects.filter(
            volunteer=volunteer,
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING],
            session__cancelled_at__isnull=True,
            session__starts_at__gt=timezone.now(),
        ).order_by("session_id")
    )
    for enrolment in enrolments:
        # The same lock as every other change of a session's seats (see the module docstring).
        session = Session.objects.select_for_update().get(pk=enrolment.session_id)
        enrolment.status, enrolment.queued_at = EnrolmentStatus.CANCELLED, None
        enrolment.save(update_fields=["status", "queued_at", "updated_at"])
        _promote_waiting(session)
    # Her places (and places in line) at gatherings not yet held are freed too; the first on
    # each waiting list gets the seat.
    sign_ups = list(
        GatheringSignUp.objects.filter(
            volunteer=volunteer,
            status__in=[SignUpStatus.SIGNED_UP, SignUpStatus.WAITING],
            gathering__starts_at__gt=timezone.now(),
        ).order_by("gathering_id")
    )
    for sign_up in sign_ups:
        gathering = Gathering.objects.select_for_update().get(pk=sign_up.gathering_id)
        sign_up.status, sign_up.queued_at = SignUpStatus.CANCELLED, None
        sign_up.save(update_fields=["status", "queued_at", "updated_at"])
        _promote_gathering_waiting(gathering)
    return len(enrolments)


def _promote_waiting(session: Session) -> list:
    """Free seats go to the waiting list in the order people joined it, and each is told.
    Caller holds the lock. Returns the volunteers who got a seat."""
    free = _seats_free(session)
    if free <= 0:
        return []
    promoted = list(
        session.enrolments.filter(status=EnrolmentStatus.WAITING)
        .select_related("volunteer__user")
        .order_by("queued_at", "id")[:free]
    )
    for enrolment in promoted:
        enrolment.status, enrolment.queued_at = EnrolmentStatus.ENROLLED, None
        enrolment.save(update_fields=["status", "queued_at", "updated_at"])
    volunteers = [e.volunteer for e in promoted]
    _tell(session, volunteers, kinds.SESSION_SEAT)
    return volunteers


@transaction.atomic
def attendance_record(*, session: Session, attended_ids: set[int]) -> int:
    """Register attendance for everyone with a seat: attended if in `attended_ids` (enrolment
    ids), absent otherwise. Only once the session has started.

    The seat of a volunteer whose data is erased is left as it is: ticking her is refused.
    Side effects: sets each seated enrolment to attended or absent. Returns how many attended.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.is_cancelled:
        raise CourseError(_("The session is cancelled."))
    if not locked.has_started:
        raise CourseError(_("Attendance can be registered once the session has started."))
    seated = []
    for enrolment in locked.enrolments.filter(status__in=SEATED).select_related("volunteer"):
        refusal = enrolment.volunteer.refusal("attendance")
        if refusal is None:
            seated.append(enrolment)
        elif enrolment.pk in attended_ids:
            raise CourseError(refusal)
    unknown = set(attended_ids) - {e.pk for e in seated}
    if unknown:
        raise CourseError(_("Attendance can only be registered for volunteers with a seat."))
    for enrolment in seated:
        enrolment.status = (
            EnrolmentStatus.ATTENDED if enrolment.pk in attended_ids else EnrolmentStatus.ABSENT
        )
    Enrolment.objects.bulk_update(seated, ["status"])
    return sum(1 for e in seated if e.status == EnrolmentStatus.ATTENDED)


@transaction.atomic
def attendance_add_walk_in(*, session: Session, volunteer) -> Enrolment:
    """She came to a held session without a seat (a walk-in): she is registered as attended,
    so the course counts as completed for her (selectors.completion_condition) as for anyone
    who had a seat. The seats are not counted: she was there. Only once the session has started,
    for a volunteer of the session's association a coordinator could have signed up.

    Side effects: creates her enrolment as attended, or turns her place on the waiting list (or
    a seat she gave up) into attended. She is not told.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.is_cancelled:
        raise CourseError(_("The session is cancelled."))
    if not locked.has_started:
        raise CourseError(_("Attendance can be registered once the session has started."))
    if volunteer.association_id != locked.association_id:
        raise CourseError(_("She belongs to another association."))
    refusal = volunteer.refusal("enrol")
    if refusal:
        raise CourseError(refusal)
    if not volunteer.can_be_enrolled(self_service=False):
        raise CourseError(_("She is not at a stage where she can take courses."))
    enrolment = locked.enrolments.filter(volunteer=volunteer).first()
    if enrolment is None:
        return Enrolment.objects.create(
            session=locked, volunteer=volunteer, status=EnrolmentStatus.ATTENDED
        )
    if enrolment.status in SEATED:
        raise CourseError(_("She had a seat: tick her in the list above."))
    enrolment.status, enrolment.queued_at = EnrolmentStatus.ATTENDED, None
    enrolment.save(update_fields=["status", "queued_at", "updated_at"])
    return enrolment


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_feed_get_or_create(*, volunteer) -> CalendarFeed:
    """Her calendar feed, made the first time she asks for it.

    Side effects: may create a CalendarFeed with a new secret token.
    """
    feed, _created = CalendarFeed.objects.get_or_create(
        volunteer=volunteer, defaults={"token": _feed_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_renew(*, volunteer) -> CalendarFeed:
    """Give her feed a new secret address, e.g. when she fears someone else has the link.

    Side effects: replaces the token (creating the feed if she has none); the old address
    stops working at once.
    """
    feed = CalendarFeed.objects.select_for_update().filter(volunteer=volunteer).first()
    if feed is None:
        return CalendarFeed.objects.create(volunteer=volunteer, token=_feed_token())
    feed.token, feed.created_at = _feed_token(), timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


def course_save(*, course: Course) -> Course:
    """Create or change a course in the national catalogue (its fields set by the form).

    Side effects: saves it (the change history records it). Sessions already planned keep
    their course: a changed title or kind shows on them at once.
    """
    course.save()
    return course


def course_set_offered(*, course: Course, offered: bool) -> Course:
    """Stop offering a course, or offer it again. A course is never deleted: the sessions held
    and the completions of volunteers point at it. A course no longer offered cannot be picked
    for a new session; sessions already planned are kept.

    A course a rule of the matching counts on (required for matching, or qualifying for a
    consideration that calls for a specialisation course) is refused: stopping it would
    silently drop the requirement or everyone's qualification. Its page changes the rule first.

    Side effects: sets is_active.
    """
    if not offered and (
        course.required_for_matching or course.qualifies_for & NEEDS_SPECIALISATION
    ):
        raise CourseError(
            _(
                "«%(name)s» cannot be stopped while the matching counts on it (required for "
                "matching, or a specialisation). Change that on the course's page first, if the "
                "rule itself is to change."
            )
            % {"name": course.title}
        )
    if course.is_active != offered:
        course.is_active = offered
        course.save(update_fields=["is_active"])
    return course


# --- Gatherings -----------------------------------------------------------------------------------


def _check_gathering(*, starts_at: datetime, ends_at: datetime, sign_up_by: date) -> None:
    if ends_at <= starts_at:
        raise CourseError(_("The gathering must end after it starts."))
    if starts_at <= timezone.now():
        raise CourseError(_("Choose a date and time that have not passed yet."))
    if sign_up_by > timezone.localtime(starts_at).date():
        raise CourseError(_("The sign-up deadline must be on or before the day of the gathering."))
    if sign_up_by < timezone.localdate():
        raise CourseError(_("The sign-up deadline has passed already."))


class GatheringSeatsError(CourseError):
    """Fewer seats than those signed up already (shown next to the seats field)."""


def _tell_gathering(gathering: Gathering, sign_ups: Iterable, kind: NotificationKind) -> None:
    """Tell the volunteers of `sign_ups` news about the gathering: a notification (and its
    neutral email) each, one notify() per association as each acts in hers. Never the title or
    the place (the text comes from the kind alone). Nobody who has left or is erased is told."""
    by_association: dict[int, list] = {}
    for sign_up in sign_ups:
        volunteer = sign_up.volunteer
        if volunteer.user_id is None or volunteer.refusal("notify"):
            continue
        by_association.setdefault(volunteer.association_id, []).append(volunteer.user)
    for association_id, users in by_association.items():
        notify(
            recipients=users,
            kind=kind,
            link=reverse("my_gatherings"),
            role=Role.VOLUNTEER,
            association_id=association_id,
        )


def _signed_count(gathering: Gathering) -> int:
    return gathering.sign_ups.filter(status__in=SIGNED).count()


def _promote_gathering_waiting(gathering: Gathering) -> list[GatheringSignUp]:
    """Free seats go to the waiting list in the order people joined it, and each is told.
    Caller holds the gathering's lock. Returns the sign-ups that got a seat."""
    waiting = gathering.sign_ups.filter(status=SignUpStatus.WAITING).select_related(
        "volunteer__user"
    )
    waiting = waiting.order_by("queued_at", "id")
    if gathering.capacity is not None:
        free = gathering.capacity - _signed_count(gathering)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for sign_up in promoted:
        sign_up.status, sign_up.queued_at = SignUpStatus.SIGNED_UP, None
        sign_up.save(update_fields=["status", "queued_at", "updated_at"])
    _tell_gathering(gathering, promoted, kinds.GATHERING_SEAT)
    return promoted


def waiting_position(sign_up: GatheringSignUp) -> int | None:
    """Her number on the waiting list (1 is next), or None when she is not waiting."""
    if sign_up.status != SignUpStatus.WAITING or sign_up.queued_at is None:
        return None
    ahead = GatheringSignUp.objects.filter(
        gathering_id=sign_up.gathering_id, status=SignUpStatus.WAITING
    ).filter(Q(queued_at__lt=sign_up.queued_at) | Q(queued_at=sign_up.queued_at, pk__lt=sign_up.pk))
    return ahead.count() + 1


def gathering_guests(gathering: Gathering):
    """The volunteers invited to `gathering`: approved (or paused), with a login, of every
    association for a national one, else of the associations it is for."""
    volunteers = apps.get_model("volunteers", "Volunteer").objects.gathering_guests()
    if gathering.national:
        return volunteers
    return volunteers.filter(association__in=gathering.associations.all())


def _invite(gathering: Gathering, already: Iterable[int] = ()) -> int:
    """Tell every invited volunteer but those `already` invited (the notification's text comes
    from its kind alone: never the title or the place). One notify() per association, as each
    acts in hers."""
    by_association: dict[int, list] = {}
    guests = gathering_guests(gathering).exclude(pk__in=list(already))
    for volunteer in guests.select_related("user"):
        by_association.setdefault(volunteer.association_id, []).append(volunteer.user)
    for association_id, users in by_association.items():
        notify(
            recipients=users,
            kind=kinds.GATHERING_INVITED,
            link=reverse("my_gatherings"),
            role=Role.VOLUNTEER,
            association_id=association_id,
        )
    return sum(len(users) for users in by_association.values())


@transaction.atomic
def gathering_create(
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    sign_up_by: date,
    capacity: int | None = None,
    description: str = "",
    national: bool = False,
    associations: Iterable[Association] = (),
    organiser: Association | None,
    by,
) -> Gathering:
    """Create and publish a gathering: national, or for `associations` (a coordinator's is for
    her own association, `organiser`; a national admin's has no organiser).

    Side effects: creates the Gathering; every invited volunteer gets a notification (and its
    neutral email) with a link to her gatherings.
    """
    _check_gathering(starts_at=starts_at, ends_at=ends_at, sign_up_by=sign_up_by)
    associations = list(associations)
    if organiser is not None:
        national, associations = False, [organiser]
    if not national and not associations:
        raise CourseError(_("Choose the associations whose volunteers are invited."))
    gathering = Gathering.objects.create(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        sign_up_by=sign_up_by,
        capacity=capacity,
        description=description,
        national=national,
        organiser=organiser,
        created_by=by,
    )
    if not national:
        gathering.associations.set(associations)
    _invite(gathering)
    return gathering


@transaction.atomic
def gathering_sign_up(*, gathering: Gathering, volunteer, by=None) -> GatheringSignUp:
    """Give `volunteer` a place at the gathering: she herself, or her coordinator on her behalf
    (`by`). Only while the sign-up is open, for a volunteer invited to it. When every seat is
    taken she goes on the waiting list (status waiting, queued_at now).

    Side effects: creates (or renews) her GatheringSignUp; she is told when someone else signed
    her up (or put her on the waiting list).
    """
    # The race for the last seat: the lock makes the second wait and then see it taken.
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if locked.is_cancelled:
        raise CourseError(_("The gathering is cancelled."))
    if locked.has_started:
        raise CourseError(_("The gathering has already started."))
    if not locked.sign_up_open:
        raise CourseError(_("The sign-up deadline for this gathering has passed."))
    refusal = volunteer.refusal("enrol")
    if refusal:
        raise CourseError(refusal)
    if not volunteer.may_join_gatherings():
        raise CourseError(_("Gatherings are for approved volunteers with a login."))
    if (
        not Gathering.objects.for_association(volunteer.association_id)
        .filter(pk=locked.pk)
        .exists()
    ):
        raise CourseError(_("Her association is not invited to this gathering."))
    existing = locked.sign_ups.filter(volunteer=volunteer).first()
    if existing is not None and existing.status == SignUpStatus.WAITING:
        raise CourseError(_("She is already on the waiting list."))
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        raise CourseError(_("She is already signed up."))
    # A full gathering puts her on the waiting list (she gets the first seat freed).
    full = locked.capacity is not None and _signed_count(locked) >= locked.capacity
    status = SignUpStatus.WAITING if full else SignUpStatus.SIGNED_UP
    queued_at = timezone.now() if full else None
    if existing is None:
        sign_up = GatheringSignUp.objects.create(
            gathering=locked, volunteer=volunteer, status=status, queued_at=queued_at
        )
    else:
        existing.status, existing.queued_at = status, queued_at
        existing.save(update_fields=["status", "queued_at", "updated_at"])
        sign_up = existing
    if by is not None and by != volunteer.user:
        notify(
            recipients=[volunteer.user],
            kind=kinds.GATHERING_WAITING if full else kinds.GATHERING_SIGNED_UP,
            link=reverse("my_gatherings"),
            role=Role.VOLUNTEER,
            association_id=volunteer.association_id,
        )
    return sign_up


@transaction.atomic
def gathering_sign_off(*, sign_up: GatheringSignUp) -> None:
    """Give up her place (or her place in line) before the gathering starts.

    Side effects: the sign-up becomes cancelled; in the same transaction, under the gathering's
    lock, the first on the waiting list gets the freed seat and is told.
    """
    locked = Gathering.objects.select_for_update().get(pk=sign_up.gathering_id)
    if locked.is_cancelled:
        raise CourseError(_("The gathering is cancelled."))
    if locked.has_started:
        raise CourseError(_("The gathering has already started."))
    sign_up.refresh_from_db()
    if sign_up.status not in (SignUpStatus.SIGNED_UP, SignUpStatus.WAITING):
        raise CourseError(_("She is not signed up for this gathering."))
    sign_up.status, sign_up.queued_at = SignUpStatus.CANCELLED, None
    sign_up.save(update_fields=["status", "queued_at", "updated_at"])
    _promote_gathering_waiting(locked)


@transaction.atomic
def gathering_attendance_record(
    *, gathering: Gathering, sign_ups: Iterable[GatheringSignUp], attended_ids: set[int]
) -> int:
    """Register who came, among `sign_ups` (those the organiser sees): attended if in
    `attended_ids`, absent otherwise (one on the waiting list who is not ticked stays there; one
    who is ticked gets the seat). Only once the gathering has started. The hours of a
    volunteer who attended count the gathering (volunteers.selectors.volunteer_hours).

    Side effects: sets each of those sign-ups to attended or absent. Returns how many attended.
    """
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if locked.is_cancelled:
        raise CourseError(_("The gathering is cancelled."))
    if not locked.has_started:
        raise CourseError(_("Attendance can be registered once the gathering has started."))
    listed = [
        s
        for s in sign_ups
        if s.gathering_id == locked.pk and s.status in (*SIGNED, SignUpStatus.WAITING)
    ]
    unknown = set(attended_ids) - {s.pk for s in listed}
    if unknown:
        raise CourseError(_("Attendance can only be registered for volunteers who signed up."))
    changed = []
    for sign_up in listed:
        if sign_up.pk in attended_ids:
            # One on the waiting list who came anyway gets the seat she used.
            sign_up.status, sign_up.queued_at = SignUpStatus.ATTENDED, None
        elif sign_up.status == SignUpStatus.WAITING:
            continue  # she stays on the waiting list: she had no seat to be absent from
        else:
            sign_up.status = SignUpStatus.ABSENT
        changed.append(sign_up)
    GatheringSignUp.objects.bulk_update(changed, ["status", "queued_at"])
    return sum(1 for s in changed if s.status == SignUpStatus.ATTENDED)


def _check_changeable(gathering: Gathering) -> None:
    if gathering.is_cancelled:
        raise CourseError(_("The gathering is cancelled."))
    if gathering.has_started:
        raise CourseError(_("A gathering that has started cannot be changed or cancelled."))


@transaction.atomic
def gathering_update(
    *,
    gathering: Gathering,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    sign_up_by: date,
    capacity: int | None = None,
    description: str = "",
    national: bool | None = None,
    associations: Iterable[Association] | None = None,
) -> Gathering:
    """Change a gathering that is not cancelled and has not started. The seats can grow (the
    waiting list gets the new seats) but not shrink below those signed up: that is refused
    (GatheringSeatsError), nobody loses a seat she was given. `national` and `associations`
    (None: unchanged) are for a national admin's gathering only; an association's is for her
    association.

    Side effects: updates the Gathering; may promote waiting sign-ups (and tell them); when the
    time or place changes, everyone signed up or waiting is told; volunteers of associations
    newly invited get the invitation.
    """
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    _check_changeable(locked)
    # A deadline kept as it was may have passed (the sign-up is closed); a new one may not.
    deadline_check = sign_up_by if sign_up_by != locked.sign_up_by else timezone.localdate()
    _check_gathering(starts_at=starts_at, ends_at=ends_at, sign_up_by=deadline_check)
    if sign_up_by > timezone.localtime(starts_at).date():
        raise CourseError(_("The sign-up deadline must be on or before the day of the gathering."))
    signed = _signed_count(locked)
    if capacity is not None and capacity < signed:
        raise GatheringSeatsError(
            _("%(signed)s volunteers are signed up already; the seats cannot be fewer.")
            % {"signed": signed}
        )
    guests_before = set(gathering_guests(locked).values_list("pk", flat=True))
    moved = (locked.starts_at, locked.ends_at, locked.place.strip()) != (
        starts_at,
        ends_at,
        place.strip(),
    )
    locked.title, locked.starts_at, locked.ends_at = title, starts_at, ends_at
    locked.place, locked.sign_up_by, locked.capacity = place, sign_up_by, capacity
    locked.description = description
    if locked.organiser_id is None and national is not None:
        associations = list(associations or ())
        if not national and not associations:
            raise CourseError(_("Choose the associations whose volunteers are invited."))
        locked.national = national
        locked.save()
        locked.associations.set([] if national else associations)
    else:
        locked.save()
    promoted = _promote_gathering_waiting(locked)
    if moved:
        _tell_gathering(
            locked,
            locked.sign_ups.filter(status__in=[SignUpStatus.SIGNED_UP, SignUpStatus.WAITING])
            .exclude(pk__in=[s.pk for s in promoted])
            .select_related("volunteer__user"),
            kinds.GATHERING_CHANGED,
        )
    _invite(locked, already=guests_before)
    return locked


@transaction.atomic
def gathering_cancel(*, gathering: Gathering, by) -> Gathering:
    """Cancel a gathering that has not started (it is kept, marked cancelled: never deleted).

    Side effects: sets cancelled_at and cancelled_by (the sign-up closes); everyone signed up or
    on the waiting list is told. Their sign-ups stay as they were (history).
    """
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if locked.is_cancelled:
        raise CourseError(_("The gathering is already cancelled."))
    if locked.has_started:
        raise CourseError(_("A gathering that has started cannot be changed or cancelled."))
    locked.cancelled_at, locked.cancelled_by = timezone.now(), by
    locked.save(update_fields=["cancelled_at", "cancelled_by"])
    _tell_gathering(
        locked,
        locked.sign_ups.filter(
            status__in=[SignUpStatus.SIGNED_UP, SignUpStatus.WAITING]
        ).select_related("volunteer__user"),
        kinds.GATHERING_CANCELLED,
    )
    return locked
