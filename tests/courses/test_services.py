"""Seats, the waiting list, attendance and what counts as a completed course."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from courses import selectors, services
from courses.models import Consideration, Course, CourseKind, Enrolment, EnrolmentStatus, Session
from courses.notifications import SESSION_CANCELLED, SESSION_CHANGED, SESSION_ENROLLED, SESSION_SEAT
from courses.services import CourseError
from notifications.kinds import NotificationKind
from notifications.models import Notification
from tests.courses.conftest import attended, make_session, move_to_past
from tests.factories import UserFactory, volunteer

pytestmark = pytest.mark.django_db


def statuses(session: Session) -> dict[str, str]:
    return {
        e.volunteer.first_name: e.status
        for e in Enrolment.objects.filter(session=session).select_related("volunteer")
    }


def seated_count(session: Session) -> int:
    return Enrolment.objects.filter(session=session).seated().count()


def notified(user, kind: NotificationKind) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


# --- Enrolment and the waiting list -----------------------------------------------------------


def test_seats_go_first_then_the_waiting_list_in_order_and_capacity_is_never_exceeded(oslo):
    session = make_session(oslo, capacity=2)
    anna, berit, cecilie, dina = (
        volunteer(oslo, status="course", first_name=name)
        for name in ("Anna", "Berit", "Cecilie", "Dina")
    )

    result = services.enrol(session=session, volunteers=[anna, berit, cecilie])
    assert result.enrolled == [anna, berit]
    assert result.waiting == [cecilie]
    assert result.skipped == []
    services.enrol(session=session, volunteers=[dina])

    assert statuses(session) == {
        "Anna": EnrolmentStatus.ENROLLED,
        "Berit": EnrolmentStatus.ENROLLED,
        "Cecilie": EnrolmentStatus.WAITING,
        "Dina": EnrolmentStatus.WAITING,
    }
    assert seated_count(session) == session.capacity


def test_those_who_cannot_be_enrolled_are_skipped_with_a_reason(oslo, bergen):
    session = make_session(oslo)
    applicant = volunteer(oslo, status="applied", first_name="Anna")
    rejected = volunteer(oslo, status="rejected", first_name="Rut")
    from_bergen = volunteer(bergen, status="course", first_name="Bodil")
    ready = volunteer(oslo, status="screening", first_name="Siri")
    services.enrol(session=session, volunteers=[ready])

    with translation.override("en"):
        result = services.enrol(
            session=session, volunteers=[applicant, rejected, from_bergen, ready]
        )

    assert result.enrolled == [] and result.waiting == []
    assert result.skipped == [
        (applicant, "She is not at a stage where she can take courses."),
        (rejected, "Her application was rejected, so this can no longer be done."),
        (from_bergen, "She belongs to another association."),
        (ready, "She is already signed up."),
    ]
    assert statuses(session) == {"Siri": EnrolmentStatus.ENROLLED}


def test_she_signs_herself_up_only_from_the_course_stage_on(oslo):
    session = make_session(oslo)
    screening = volunteer(oslo, status="screening", first_name="Siri")
    at_course = volunteer(oslo, status="course", first_name="Kari")

    result = services.enrol(session=session, volunteers=[screening, at_course], self_service=True)

    assert result.enrolled == [at_course]
    assert [v for v, _reason in result.skipped] == [screening]
    # The coordinator can sign up the one at screening.
    assert services.enrol(session=session, volunteers=[screening]).enrolled == [screening]


def test_volunteers_enrolled_by_the_coordinator_are_notified_but_not_when_she_signs_up_herself(
    oslo,
):
    session = make_session(oslo)
    her_login, other_login = UserFactory(), UserFactory()
    by_coordinator = volunteer(oslo, status="course", user=her_login)
    herself = volunteer(oslo, status="course", user=other_login)
    without_login = volunteer(oslo, status="screening")

    services.enrol(session=session, volunteers=[by_coordinator, without_login])
    services.enrol(session=session, volunteers=[herself], self_service=True)

    assert list(Notification.objects.values_list("recipient", "kind", "link")) == [
        (her_login.pk, SESSION_ENROLLED, "/min-side/kurs/")
    ]


def test_an_applicant_without_a_login_is_told_by_email_when_and_where_without_the_title(
    oslo, django_capture_on_commit_callbacks
):
    session = make_session(oslo, place="Frivilligsentralen, Storgata 1")
    amina = volunteer(oslo, status="screening", first_name="Amina", email="amina@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrol(session=session, volunteers=[amina])

    assert not Notification.objects.exists()
    [email] = mail.outbox
    assert email.to == ["amina@example.no"]
    assert email.subject == "Du er meldt på en kurssamling"
    starts = timezone.localtime(session.starts_at)
    assert f"{starts:%H:%M}" in email.body and "Frivilligsentralen, Storgata 1" in email.body
    assert "Hei Amina" in email.body
    assert session.course.title not in email.body + email.subject


def test_a_new_time_or_place_is_told_to_everyone_signed_up_or_waiting_and_nothing_else_is(
    oslo, django_capture_on_commit_callbacks
):
    session = make_session(oslo, capacity=1)
    seated_login, waiting_login = UserFactory(), UserFactory()
    seated = volunteer(oslo, status="course", user=seated_login)
    waiting = volunteer(oslo, status="course", user=waiting_login)
    applicant = volunteer(oslo, status="screening", email="ny@example.no")
    services.enrol(session=session, volunteers=[seated, waiting], self_service=True)
    services.enrol(session=session, volunteers=[applicant])  # waits: the seat is taken
    mail.outbox.clear()

    def update(**changes):
        values = {
            "course": session.course,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "place": session.place,
            "capacity": session.capacity,
            "notes": session.notes,
            **changes,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return services.session_update(session=session, **values)

    session = update(notes="Ta med matpakke.")  # nothing that changes her plans
    assert not Notification.objects.filter(kind=SESSION_CHANGED).exists()
    assert not mail.outbox

    session = update(place="Sanitetshuset, Kirkegata 5")
    told = Notification.objects.filter(kind=SESSION_CHANGED)
    assert {n.recipient for n in told} == {seated_login, waiting_login}
    [to_applicant] = [m for m in mail.outbox if m.to == ["ny@example.no"]]
    assert "Sanitetshuset, Kirkegata 5" in to_applicant.body
    assert to_applicant.subject == "Ny tid eller nytt sted for kurssamlingen din"


def test_the_same_volunteer_twice_in_one_call_gets_one_place(oslo):
    session = make_session(oslo)
    kari = volunteer(oslo, status="course", first_name="Kari")

    result = services.enrol(session=session, volunteers=[kari, kari])

    assert result.enrolled == [kari]
    assert [v for v, _reason in result.skipped] == [kari]
    assert Enrolment.objects.filter(session=session).count() == 1


def test_nobody_can_be_signed_up_for_a_session_that_has_started_or_is_cancelled(oslo):
    kari = volunteer(oslo, status="course")
    started = make_session(oslo, starts_in=timedelta(minutes=-10))
    cancelled = services.session_cancel(session=make_session(oslo))

    for session in (started, cancelled):
        with pytest.raises(CourseError):
            services.enrol(session=session, volunteers=[kari])
    assert not Enrolment.objects.exists()


def test_signing_off_gives_the_seat_to_the_first_on_the_waiting_list(oslo):
    session = make_session(oslo, capacity=1)
    first_login, second_login = UserFactory(), UserFactory()
    seated = volunteer(oslo, status="course", first_name="Anna")
    first = volunteer(oslo, status="course", first_name="Berit", user=first_login)
    second = volunteer(oslo, status="course", first_name="Cecilie", user=second_login)
    services.enrol(session=session, volunteers=[seated], self_service=True)
    services.enrol(session=session, volunteers=[first], self_service=True)
    services.enrol(session=session, volunteers=[second], self_service=True)

    services.sign_off(enrolment=Enrolment.objects.get(session=session, volunteer=seated))

    assert statuses(session) == {
        "Anna": EnrolmentStatus.CANCELLED,
        "Berit": EnrolmentStatus.ENROLLED,
        "Cecilie": EnrolmentStatus.WAITING,
    }
    assert notified(first_login, SESSION_SEAT)
    assert not notified(second_login, SESSION_SEAT)
    assert Enrolment.objects.get(session=session, volunteer=first).queued_at is None


def test_who_signs_off_and_comes_back_goes_to_the_end_of_the_line(oslo):
    session = make_session(oslo, capacity=1)
    anna, berit, cecilie = (
        volunteer(oslo, status="course", first_name=name) for name in ("Anna", "Berit", "Cecilie")
    )
    services.enrol(session=session, volunteers=[anna, berit, cecilie])
    services.sign_off(enrolment=Enrolment.objects.get(session=session, volunteer=berit))
    services.enrol(session=session, volunteers=[berit])  # back, behind Cecilie

    services.sign_off(enrolment=Enrolment.objects.get(session=session, volunteer=anna))

    assert statuses(session) == {
        "Anna": EnrolmentStatus.CANCELLED,
        "Berit": EnrolmentStatus.WAITING,
        "Cecilie": EnrolmentStatus.ENROLLED,
    }


def test_nobody_signs_off_once_the_session_has_started(oslo):
    session = make_session(oslo)
    kari = volunteer(oslo, status="course")
    services.enrol(session=session, volunteers=[kari])
    move_to_past(session, ended_days_ago=0)

    with pytest.raises(CourseError):
        services.sign_off(enrolment=Enrolment.objects.get())
    assert Enrolment.objects.get().status == EnrolmentStatus.ENROLLED


# --- Changing and cancelling a session ---------------------------------------------------------


def test_capacity_cannot_go_below_those_seated_and_nothing_changes(oslo):
    session = make_session(oslo, capacity=3, place="Frivillighetssentralen")
    services.enrol(session=session, volunteers=[volunteer(oslo, status="course") for _ in range(3)])

    with pytest.raises(CourseError):
        services.session_update(
            session=session,
            course=session.course,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            place="Et annet sted",
            capacity=2,
        )

    session.refresh_from_db()
    assert (session.capacity, session.place) == (3, "Frivillighetssentralen")


def test_more_seats_go_to_the_waiting_list_in_order(oslo):
    session = make_session(oslo, capacity=1)
    anna, berit, cecilie = (
        volunteer(oslo, status="course", first_name=name) for name in ("Anna", "Berit", "Cecilie")
    )
    services.enrol(session=session, volunteers=[anna, berit, cecilie])

    services.session_update(
        session=session,
        course=session.course,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place,
        capacity=2,
    )

    assert statuses(session) == {
        "Anna": EnrolmentStatus.ENROLLED,
        "Berit": EnrolmentStatus.ENROLLED,
        "Cecilie": EnrolmentStatus.WAITING,
    }


def test_a_session_must_end_after_it_starts(oslo, basic_course):
    starts_at = timezone.now() + timedelta(days=3)
    with pytest.raises(CourseError):
        services.session_create(
            association=oslo,
            course=basic_course,
            starts_at=starts_at,
            ends_at=starts_at,
            place="Huset",
            capacity=5,
            by=None,
        )
    assert not Session.objects.exists()


def test_cancelling_tells_those_signed_up_and_waiting_but_not_those_who_signed_off(oslo):
    session = make_session(oslo, capacity=1)
    seated_login, waiting_login, gone_login = UserFactory(), UserFactory(), UserFactory()
    seated = volunteer(oslo, status="course", user=seated_login)
    waiting = volunteer(oslo, status="course", user=waiting_login)
    gone = volunteer(oslo, status="course", user=gone_login)
    services.enrol(session=session, volunteers=[gone], self_service=True)
    services.sign_off(enrolment=Enrolment.objects.get(volunteer=gone))
    services.enrol(session=session, volunteers=[seated, waiting], self_service=True)

    services.session_cancel(session=session)

    session.refresh_from_db()
    assert session.is_cancelled
    cancelled = Notification.objects.filter(kind=SESSION_CANCELLED)
    assert {n.recipient for n in cancelled} == {seated_login, waiting_login}
    with pytest.raises(CourseError):
        services.session_cancel(session=session)


def test_a_session_that_has_started_cannot_be_cancelled(oslo):
    session = make_session(oslo, starts_in=timedelta(minutes=-5))
    with pytest.raises(CourseError):
        services.session_cancel(session=session)
    session.refresh_from_db()
    assert not session.is_cancelled


# --- Attendance ---------------------------------------------------------------------------------


def test_attendance_is_registered_only_once_the_session_has_started(oslo):
    session = make_session(oslo, capacity=2)
    anna, berit = volunteer(oslo, status="course"), volunteer(oslo, status="course")
    services.enrol(session=session, volunteers=[anna, berit])
    anna_enrolment = Enrolment.objects.get(volunteer=anna)

    with pytest.raises(CourseError):
        services.attendance_record(session=session, attended_ids={anna_enrolment.pk})
    assert set(Enrolment.objects.values_list("status", flat=True)) == {EnrolmentStatus.ENROLLED}

    move_to_past(session)
    assert services.attendance_record(session=session, attended_ids={anna_enrolment.pk}) == 1
    assert Enrolment.objects.get(volunteer=anna).status == EnrolmentStatus.ATTENDED
    assert Enrolment.objects.get(volunteer=berit).status == EnrolmentStatus.ABSENT


def test_attendance_only_for_those_with_a_seat(oslo):
    session = make_session(oslo, capacity=1)
    seated, waiting = volunteer(oslo, status="course"), volunteer(oslo, status="course")
    services.enrol(session=session, volunteers=[seated, waiting])
    move_to_past(session)

    with pytest.raises(CourseError):
        services.attendance_record(
            session=session, attended_ids={Enrolment.objects.get(volunteer=waiting).pk}
        )
    assert Enrolment.objects.get(volunteer=seated).status == EnrolmentStatus.ENROLLED
    assert Enrolment.objects.get(volunteer=waiting).status == EnrolmentStatus.WAITING


# --- Completion ---------------------------------------------------------------------------------


def test_the_required_course_is_completed_by_attending_a_session_that_has_ended(oslo, basic_course):
    kari = volunteer(oslo, status="course")
    assert not selectors.has_completed_required_courses(kari)

    session = make_session(oslo, basic_course)
    services.enrol(session=session, volunteers=[kari])
    assert not selectors.has_completed_required_courses(kari)  # signed up is not completed

    move_to_past(session, ended_days_ago=0.01)
    services.attendance_record(session=session, attended_ids={Enrolment.objects.get().pk})
    assert selectors.has_completed_required_courses(kari)
    assert selectors.completed_courses(kari) == [basic_course]


def test_absent_or_a_session_still_running_does_not_count(oslo, basic_course):
    absent = volunteer(oslo, status="course")
    Enrolment.objects.filter(pk=attended(absent, basic_course).pk).update(
        status=EnrolmentStatus.ABSENT
    )
    running = volunteer(oslo, status="course")
    session = make_session(oslo, basic_course, starts_in=timedelta(hours=-1), hours=3)
    Enrolment.objects.create(session=session, volunteer=running, status=EnrolmentStatus.ATTENDED)

    assert not selectors.has_completed_required_courses(absent)
    assert not selectors.has_completed_required_courses(running)


def test_completion_expires_after_the_courses_validity(oslo, basic_course):
    basic_course.validity_months = 12
    basic_course.save()
    recent, long_ago = volunteer(oslo, status="course"), volunteer(oslo, status="approved")
    attended(recent, basic_course, ended_days_ago=300)
    attended(long_ago, basic_course, ended_days_ago=400)

    assert selectors.has_completed_required_courses(recent)
    assert not selectors.has_completed_required_courses(long_ago)
    annotated = {
        v.pk: v.required_courses_complete
        for v in selectors.annotate_completion(type(recent).objects.filter(association=oslo))
    }
    assert annotated == {recent.pk: True, long_ago.pk: False}


def test_every_required_course_must_be_completed(oslo, basic_course):
    second = Course.objects.create(
        title="Førstehjelp", kind=CourseKind.BASIC, required_for_matching=True
    )
    both, one = volunteer(oslo, status="course"), volunteer(oslo, status="course")
    attended(both, basic_course)
    attended(both, second)
    attended(one, basic_course)

    assert selectors.has_completed_required_courses(both)
    assert not selectors.has_completed_required_courses(one)
    annotated = {
        v.pk: v.required_courses_complete
        for v in selectors.annotate_completion(type(one).objects.filter(association=oslo))
    }
    assert annotated == {both.pk: True, one.pk: False}


def test_the_specialisation_course_qualifies_for_honour_violence_control_and_forced_marriage(
    oslo, basic_course, specialisation_course
):
    trained, untrained = volunteer(oslo, status="approved"), volunteer(oslo, status="approved")
    attended(trained, specialisation_course)
    attended(untrained, basic_course)

    for consideration in (
        Consideration.HONOUR_VIOLENCE,
        Consideration.NEGATIVE_SOCIAL_CONTROL,
        Consideration.FORCED_MARRIAGE,
        Consideration.HONOUR_VIOLENCE | Consideration.FORCED_MARRIAGE,
    ):
        assert selectors.qualifies_for(trained, consideration)
        assert not selectors.qualifies_for(untrained, consideration)
    # Children or an interpreter call for no course.
    assert selectors.qualifies_for(untrained, Consideration.HAS_CHILDREN)

    annotated = {
        v.pk: selectors.qualified_mask(v)
        for v in selectors.annotate_completion(type(trained).objects.filter(association=oslo))
    }
    assert annotated == {trained.pk: 7, untrained.pk: 0}


def test_the_catalogue_is_seeded_once(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("courses.migrations.0003_catalogue")
    migration.add_catalogue(apps, None)  # running it again changes nothing

    courses = {
        c.title: (c.kind, c.required_for_matching, c.qualifies_for) for c in Course.objects.all()
    }
    assert courses == {
        "Grunnkurs: vold og rollen som ressursvenn": (CourseKind.BASIC, True, 0),
        "Fordypningskurs: æresrelatert vold og negativ sosial kontroll": (
            CourseKind.SPECIALISATION,
            False,
            7,
        ),
        "Veiledningsgruppe": (CourseKind.SUPERVISION, False, 0),
    }


# --- Calendar feed ------------------------------------------------------------------------------


def test_the_calendar_feed_is_made_once_and_a_new_link_replaces_the_old(oslo):
    kari = volunteer(oslo, status="course")

    feed = services.calendar_feed_get_or_create(volunteer=kari)
    assert services.calendar_feed_get_or_create(volunteer=kari).token == feed.token
    assert len(feed.token) >= 40

    renewed = services.calendar_feed_renew(volunteer=kari)
    assert renewed.pk == feed.pk
    assert renewed.token != feed.token
    assert services.calendar_feed_get_or_create(volunteer=kari).token == renewed.token
