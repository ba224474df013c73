"""What a volunteer has completed (approval and matching ask these; lists annotate in bulk),
and the search for volunteers to sign up for a session.

A course is completed by attending a session of it that has ended (and was not cancelled),
within the course's validity when it has one. Everything is decided in the database, but
for the validity of the courses one volunteer completed (completions), checked against the same
cutoff (_counts_from).
"""

from datetime import date, datetime

from django.apps import apps
from django.db.models import BooleanField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.utils import timezone

from common.dates import add_months
from courses.models import NEEDS_SPECIALISATION, SEATED, Course, Enrolment, EnrolmentStatus


def _counts_from(course: Course, now: datetime) -> date | datetime | None:
    """The earliest end of a session that still counts as completing `course` (None: a
    completion never expires)."""
    return add_months(now, -course.validity_months) if course.validity_months else None


def completion_condition(course: Course, volunteer=None) -> Q:
    """Enrolments that prove `volunteer` (an id or an OuterRef; None: anyone) completed
    `course`."""
    now = timezone.now()
    condition = Q(
        status=EnrolmentStatus.ATTENDED,
        session__course=course,
        session__cancelled_at__isnull=True,
        session__ends_at__lte=now,
    )
    since = _counts_from(course, now)
    if since is not None:
        condition &= Q(session__ends_at__gte=since)
    if volunteer is not None:
        condition &= Q(volunteer=volunteer)
    return condition


def completions(volunteer) -> list[Course]:
    """The courses `volunteer` has completed (by completion_condition's rule), each with
    `completed_at`: the end of the last session that counts. One query, however many."""
    now = timezone.now()
    attended = Q(
        sessions__enrolments__volunteer=volunteer,
        sessions__enrolments__status=EnrolmentStatus.ATTENDED,
        sessions__cancelled_at__isnull=True,
        sessions__ends_at__lte=now,
    )
    courses = (
        Course.objects.annotate(completed_at=Max("sessions__ends_at", filter=attended))
        .filter(completed_at__isnull=False)
        .order_by("kind", "title")
    )
    return [
        course
        for course in courses
        if (since := _counts_from(course, now)) is None or course.completed_at >= since
    ]


def _completed(course: Course, volunteer_id: int) -> bool:
    return Enrolment.objects.filter(completion_condition(course, volunteer_id)).exists()


def has_completed(course: Course, volunteer) -> bool:
    return _completed(course, volunteer.pk)


def required_courses(active: list[Course] | None = None) -> list[Course]:
    """The courses a volunteer must complete to be matched (from `active`, the active courses,
    when the caller has them: one query for both lists)."""
    if active is None:
        return list(Course.objects.filter(required_for_matching=True, is_active=True))
    return [course for course in active if course.required_for_matching]


def specialisation_courses(active: list[Course] | None = None) -> list[Course]:
    if active is None:
        active = list(Course.objects.filter(is_active=True, qualifies_for__gt=0))
    return [course for course in active if course.qualifies_for & NEEDS_SPECIALISATION]


def annotate_completion(volunteers: QuerySet) -> QuerySet:
    """Adds `required_courses_complete` and, per specialisation course, `qualifies_<id>`
    (combine those with qualified_mask()). Runs as subqueries: no query per volunteer."""
    ref = OuterRef("pk")
    active = list(Course.objects.filter(is_active=True))
    required = required_courses(active)
    complete: Combinable | Q = Value(True, output_field=BooleanField())
    if required:
        complete = Exists(Enrolment.objects.filter(completion_condition(required[0], ref)))
        for course in required[1:]:
            complete &= Exists(Enrolment.objects.filter(completion_condition(course, ref)))
    annotations: dict[str, Combinable | Q] = {"required_courses_complete": complete}
    for course in specialisation_courses(active):
        annotations[f"qualifies_{course.pk}"] = Exists(
            Enrolment.objects.filter(completion_condition(course, ref))
        )
    return volunteers.annotate(**annotations)


def qualified_mask(annotated_volunteer, courses: list[Course] | None = None) -> int:
    """The considerations a volunteer annotated by annotatecompletion_condition() is trained for."""
    mask = 0
    for course in courses if courses is not None else specialisation_courses():
        if getattr(annotated_volunteer, f"qualifies_{course.pk}", False):
            mask |= course.qualifies_for
    return mask


def has_completed_required_courses(volunteer) -> bool:
    return all(_completed(course, volunteer.pk) for course in required_courses())


def qualifies_for(volunteer, consideration: int) -> bool:
    """Has she completed courses that together qualify for every specialised bit of
    `consideration`? (Has children or needs an interpreter call for no course.)"""
    needed = consideration & NEEDS_SPECIALISATION
    if not needed:
        return True
    mask = 0
    for course in specialisation_courses():
        if course.qualifies_for & needed and _completed(course, volunteer.pk):
            mask |= course.qualifies_for
    return needed & mask == needed


def completed_courses(volunteer) -> list[Course]:
    return [c for c in Course.objects.filter(is_active=True) if _completed(c, volunteer.pk)]


def enrol_candidates(
    user, session, text: str, *, limit: int, walk_in: bool = False
) -> tuple[list, bool]:
    """Volunteers of the user's association whose name, email address or phone number holds
    every word of `text`, who can be signed up for `session` by a coordinator and are not on it
    yet: at most `limit` of them, by name, and whether there were more. With `walk_in` (she
    came to a held session without a seat): those without a seat, so also those waiting.

    Who may be enrolled is the volunteer's rule (VolunteerQuerySet.can_be_enrolled, the same
    stages as Volunteer.can_be_enrolled); the enrolment service asks it again for each one."""
    volunteer_model = apps.get_model("volunteers", "Volunteer")
    on_session = Enrolment.objects.filter(session=session)
    if walk_in:
        on_session = on_session.filter(status__in=SEATED)
    else:
        on_session = on_session.exclude(status=EnrolmentStatus.CANCELLED)
    found = list(
        volunteer_model.objects.for_user(user)
        .can_be_enrolled(self_service=False)
        .search(text)
        .exclude(pk__in=on_session.values("volunteer_id"))
        .order_by("first_name", "last_name", "pk")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def sessions_to_offer(user, volunteer) -> tuple[list, bool]:
    """The sessions her coordinator can sign `volunteer` up for in one step from her page:
    sessions of the user's association not yet started nor cancelled, with a free seat, that
    she is not on, of a course she has not completed (COMPLETED_ONCE kinds; a supervision group
    meets again and again). When she still needs a course required for matching, only its
    sessions; else every other session. Each is annotated with `free`; the flag says whether
    they are of the courses she still needs. Three queries, whatever the number."""
    from courses.models import Session

    now = timezone.now()
    done = [course.pk for course in completions(volunteer) if course.is_completed_once]
    sessions = (
        Session.objects.for_user(user)
        .filter(association_id=volunteer.association_id)
        .upcoming()
        .filter(starts_at__gt=now)
        .exclude(course_id__in=done)
        .exclude(
            pk__in=Enrolment.objects.filter(volunteer=volunteer)
            .exclude(status=EnrolmentStatus.CANCELLED)
            .values("session_id")
        )
        .select_related("course")
        .annotate(free=F("capacity") - Count("enrolments", filter=Q(enrolments__status__in=SEATED)))
        .filter(free__gt=0)
        .order_by("starts_at", "pk")
    )
    offered = list(sessions)
    needed_ids = {course.pk for course in required_courses() if course.pk not in done}
    if needed_ids:  # only the sessions of what she still needs, even when none is planned
        return [s for s in offered if s.course_id in needed_ids], True
    return offered, False
