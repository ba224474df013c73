"""Nothing is done with an erased volunteer, and nothing that makes no sense with one who left.

The rule is Volunteer.refusal(); every service asks it. These tests go through the pages a
coordinator uses (and the services behind courses, matching, invitations and email) and check,
for each action: refused, the message shown, nothing changed, nothing sent.
"""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User, is_erased_email
from accounts.services import invitation_create
from courses import services as courses
from courses.models import Course, Enrolment, EnrolmentStatus, Session
from matching import services as matching
from matching.models import Match, Referral, ReferralLanguage, ReferralStatus
from matching.scoring import suggest
from notifications.models import Notification, OutboxMessage
from notifications.services import email_send, notify
from tests.conftest import login
from tests.factories import municipality, person, volunteer
from volunteers import services
from volunteers.models import CommitmentPeriod, Status, Volunteer
from volunteers.notifications import APPROVED

ERASED = (
    "Personopplysningene hennes er slettet. Ingenting kan endres eller sendes til henne lenger."
)
ENDED = "Hun er ikke lenger ressursvenn, så dette kan ikke gjøres lenger."


def approved(oslo, user=None, **fields) -> Volunteer:
    """An approved ressursvenn with an open commitment that lasts beyond the planned year of a
    match proposed today, matchable once she has the basic course."""
    if user is not None:
        fields["email"] = user.email
    v = volunteer(
        oslo,
        status=Status.APPROVED,
        user=user,
        approved_at=timezone.now() - timedelta(days=30),
        municipality_number="0301",
        **fields,
    )
    today = timezone.localdate()
    CommitmentPeriod.objects.create(
        volunteer=v, starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=400)
    )
    return v


def held_basic_course(oslo, v: Volunteer) -> Enrolment:
    starts = timezone.now() - timedelta(days=7)
    session = Session.objects.create(
        association=oslo,
        course=Course.objects.filter(required_for_matching=True).first(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place="Lokalet",
        capacity=10,
    )
    return Enrolment.objects.create(session=session, volunteer=v, status=EnrolmentStatus.ATTENDED)


def upcoming_session(oslo, capacity: int = 10) -> Session:
    starts = timezone.now() + timedelta(days=7)
    return Session.objects.create(
        association=oslo,
        course=Course.objects.filter(required_for_matching=True).first(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place="Lokalet",
        capacity=capacity,
    )


def referral_for(oslo, oslo_shelter, shelter_worker_oslo) -> Referral:
    referral = Referral.objects.create(
        shelter=oslo_shelter,
        association=oslo,
        municipality=municipality("0301"),
        preferred_language="no",
        alias="Kvinne 1",
        age_bracket="26-35",
        status=ReferralStatus.BEING_MATCHED,
        consent_on=timezone.localdate(),
        consent_recorded_by=shelter_worker_oslo,
        created_by=shelter_worker_oslo,
    )
    ReferralLanguage.objects.create(referral=referral, code="no")
    return referral


@pytest.fixture
def erased(oslo):
    """Her login had two-step login set up; she withdrew her consent and was erased."""
    user = person(Role.VOLUNTEER, place=oslo, first_name="Nora", email="nora@frivillig.example")
    v = approved(oslo, user=user, first_name="Nora")
    held_basic_course(oslo, v)
    services.volunteer_transition(volunteer=v, to=Status.ENDED)
    services.volunteer_erase(volunteer=v)
    v.refresh_from_db()
    mail.outbox.clear()
    assert is_erased_email(v.email) and Authenticator.objects.filter(user=user).exists()
    return v


@pytest.fixture
def ended(oslo):
    """She ended as a ressursvenn; her login is still there (without the role)."""
    user = person(Role.VOLUNTEER, place=oslo, first_name="Kari", email="kari@frivillig.example")
    v = approved(oslo, user=user, first_name="Kari")
    held_basic_course(oslo, v)
    services.volunteer_transition(volunteer=v, to=Status.ENDED, reason="Flyttet")
    v.refresh_from_db()
    mail.outbox.clear()
    return v


def snapshot(v: Volunteer) -> dict:
    """Everything an action could change about her: her row, her login, her two-step login,
    her years, her seats, her matches, invitations and the outbox."""
    v.refresh_from_db()
    user = User.objects.filter(pk=v.user_id).first()
    return {
        "volunteer": model_to_dict(v),
        "user": model_to_dict(user, exclude=["groups", "user_permissions"]) if user else None,
        "sessions_revoked_at": user.sessions_revoked_at if user else None,
        "authenticators": sorted(
            Authenticator.objects.filter(user_id=v.user_id).values_list("pk", flat=True)
        ),
        "memberships": list(Membership.objects.filter(user_id=v.user_id).values()),
        "commitments": list(v.commitments.values()),
        "enrolments": list(Enrolment.objects.filter(volunteer=v).values("pk", "status")),
        "matches": Match.objects.filter(volunteer=v).count(),
        "invitations": Invitation.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "notifications": Notification.objects.count(),
    }


def today() -> str:
    return timezone.localdate().isoformat()


COORDINATOR_ACTIONS = [
    pytest.param("volunteer_reset_two_step", {}, {"confirmed": "yes"}, id="reset two-step"),
    pytest.param("volunteer_log_out_everywhere", {}, {}, id="log out everywhere"),
    pytest.param(
        "screening_record",
        {"step": "interview"},
        {"interview-on": today(), "interview-note": "Godt inntrykk"},
        id="record interview",
    ),
    pytest.param(
        "screening_record",
        {"step": "references"},
        {"references-first_on": today(), "references-second_on": today()},
        id="record references",
    ),
    pytest.param("screening_record", {"step": "police"}, {"police-on": today()}, id="police"),
    pytest.param("volunteer_transition", {}, {"to": Status.APPROVED}, id="change status"),
    pytest.param("volunteer_approve", {}, {}, id="approve"),
    pytest.param("commitment_renew", {}, {}, id="renew her year"),
    pytest.param("volunteer_erase", {}, {}, id="erase again"),
]


@pytest.mark.parametrize(("name", "kwargs", "data"), COORDINATOR_ACTIONS)
def test_a_coordinator_can_do_nothing_with_an_erased_volunteer(
    client, coordinator_oslo, erased, name, kwargs, data, django_capture_on_commit_callbacks
):
    before = snapshot(erased)
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(name, kwargs={"public_id": erased.public_id, **kwargs}), data, follow=True
        )
    assert response.status_code == 200
    assert ERASED in response.content.decode()
    assert snapshot(erased) == before
    assert mail.outbox == []


def test_her_page_offers_no_action_once_she_is_erased(client, coordinator_oslo, erased):
    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_detail", args=[erased.public_id])).content.decode()
    assert ERASED in html
    for name in ("volunteer_reset_two_step", "volunteer_log_out_everywhere", "volunteer_erase"):
        assert reverse(name, args=[erased.public_id]) not in html
    assert reverse("screening_record", args=[erased.public_id, "interview"]) not in html
    assert reverse("volunteer_data", args=[erased.public_id]) in html  # reading stays


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [
        pytest.param("volunteer_reset_two_step", {}, {"confirmed": "yes"}, id="reset two-step"),
        pytest.param(
            "screening_record",
            {"step": "police"},
            {"police-on": today()},
            id="record her police certificate again",
        ),
        pytest.param("volunteer_approve", {}, {}, id="approve"),
    ],
)
def test_what_makes_no_sense_once_she_has_ended_is_refused(
    client, coordinator_oslo, ended, name, kwargs, data, django_capture_on_commit_callbacks
):
    before = snapshot(ended)
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(name, kwargs={"public_id": ended.public_id, **kwargs}), data, follow=True
        )
    assert ENDED in response.content.decode()
    assert snapshot(ended) == before
    assert mail.outbox == []


def test_her_login_can_still_be_logged_out_after_she_ended(client, coordinator_oslo, ended):
    """A lost phone still matters when her login lives on."""
    login(client, coordinator_oslo)
    client.post(reverse("volunteer_log_out_everywhere", args=[ended.public_id]))
    ended.user.refresh_from_db()
    assert ended.user.sessions_revoked_at is not None


def test_the_two_step_reset_refuses_a_closed_or_erased_login_whoever_asks(erased):
    """The accounts service itself refuses, so no other road resets an erased login."""
    from accounts.services import TwoStepResetRefused, two_step_reset

    with pytest.raises(TwoStepResetRefused, match="slettet"):
        two_step_reset(user=User.objects.get(pk=erased.user_id))
    assert Authenticator.objects.filter(user_id=erased.user_id).exists()


# --- Courses ---------------------------------------------------------------------------------


def test_an_erased_or_ended_volunteer_is_not_signed_up_for_a_session(
    client, oslo, coordinator_oslo, erased, ended, django_capture_on_commit_callbacks
):
    session = upcoming_session(oslo)
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("session_enrol", args=[session.public_id]),
            {"volunteers": [str(erased.public_id), str(ended.public_id)]},
            follow=True,
        )
    html = response.content.decode()
    assert ERASED in html and ENDED in html
    assert not session.enrolments.exists()
    assert mail.outbox == [] and not OutboxMessage.objects.exists()


def test_attendance_leaves_an_erased_volunteers_seat_alone(client, oslo, coordinator_oslo, erased):
    held = Enrolment.objects.get(volunteer=erased)
    held.status = EnrolmentStatus.ENROLLED  # attendance not registered before she was erased
    held.save()
    other = approved(oslo, first_name="Berit", email="berit@example.no")
    hers = Enrolment.objects.create(session=held.session, volunteer=other)

    with pytest.raises(courses.CourseError, match="slettet"):
        courses.attendance_record(session=held.session, attended_ids={held.pk, hers.pk})
    assert Enrolment.objects.get(pk=held.pk).status == EnrolmentStatus.ENROLLED

    login(client, coordinator_oslo)
    page = client.get(reverse("session_attendance", args=[held.session.public_id]))
    assert "Berit" in page.content.decode() and str(held.public_id) not in page.content.decode()
    courses.attendance_record(session=held.session, attended_ids={hers.pk})
    assert Enrolment.objects.get(pk=held.pk).status == EnrolmentStatus.ENROLLED  # untouched
    assert Enrolment.objects.get(pk=hers.pk).status == EnrolmentStatus.ATTENDED


def test_ending_her_gives_up_her_seat_and_the_next_in_line_gets_it(
    oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    session = upcoming_session(oslo, capacity=1)
    leaving = approved(oslo, first_name="Kari", email="kari@example.no")
    waiting = approved(oslo, first_name="Berit", email="berit@example.no")
    courses.enrol(session=session, volunteers=[leaving, waiting], by=coordinator_oslo)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.volunteer_transition(volunteer=leaving, to=Status.ENDED)
    statuses = {e.volunteer_id: e.status for e in session.enrolments.all()}
    assert statuses == {leaving.pk: EnrolmentStatus.CANCELLED, waiting.pk: EnrolmentStatus.ENROLLED}
    # Berit is told about her seat; Kari, who left, is told nothing.
    assert [m.to for m in mail.outbox] == [["berit@example.no"]]


def test_a_session_change_tells_nobody_who_has_left(oslo, coordinator_oslo, ended):
    """Her seat in a session already held stays (history); news of it is not sent to her."""
    session = upcoming_session(oslo)
    Enrolment.objects.create(session=session, volunteer=ended)  # e.g. left before this change
    courses.session_cancel(session=session)
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()


# --- Matching --------------------------------------------------------------------------------


def test_she_is_never_suggested_or_proposed(
    client,
    oslo,
    coordinator_oslo,
    oslo_shelter,
    shelter_worker_oslo,
    erased,
    ended,
    django_capture_on_commit_callbacks,
):
    referral = referral_for(oslo, oslo_shelter, shelter_worker_oslo)
    ready = approved(oslo, first_name="Berit", email="berit@example.no")
    held_basic_course(oslo, ready)
    # Even with her status changed back by hand, an erased volunteer is not a candidate.
    Volunteer.objects.filter(pk=erased.pk).update(status=Status.APPROVED)
    suggested = [s.volunteer for s in suggest(referral).suggestions]
    assert suggested == [ready]
    Volunteer.objects.filter(pk=erased.pk).update(status=Status.ENDED)

    login(client, coordinator_oslo)
    for v, message in ((erased, ERASED), (ended, ENDED)):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("match_propose", args=[referral.public_id]),
                {"volunteer": str(v.public_id)},
                follow=True,
            )
        assert message in response.content.decode()
    assert not Match.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.BEING_MATCHED
    assert not Notification.objects.exists() and mail.outbox == []


def test_the_matching_service_refuses_her_too(
    oslo, coordinator_oslo, oslo_shelter, shelter_worker_oslo, erased
):
    referral = referral_for(oslo, oslo_shelter, shelter_worker_oslo)
    with pytest.raises(matching.MatchingError, match="slettet"):
        matching.match_propose(referral=referral, volunteer=erased, by=coordinator_oslo)


# --- Invitations and email -------------------------------------------------------------------


@pytest.mark.parametrize(("who", "message"), [("erased", ERASED), ("ended", ENDED)])
def test_she_cannot_be_invited_to_the_volunteer_role(
    client, coordinator_oslo, erased, ended, who, message, django_capture_on_commit_callbacks
):
    v = {"erased": erased, "ended": ended}[who]
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_list"), {"email": v.email, "first_name": "Hun"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == [] and not OutboxMessage.objects.exists()


def test_an_erased_address_is_refused_for_every_role(national_admin, erased, oslo):
    from accounts.services import AccessError

    acting = national_admin.memberships.get()
    with pytest.raises(AccessError, match="slettet"):
        invitation_create(
            invited_by=national_admin,
            acting=acting,
            email=erased.email,
            role=Role.COORDINATOR,
            association=oslo,
        )
    assert not Invitation.objects.exists()


def test_ending_her_withdraws_the_invitation_she_has_not_used(
    client, oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    v = volunteer(oslo, status=Status.APPROVED, email="lise@example.no")
    _invitation, token = invitation_create(
        invited_by=coordinator_oslo,
        acting=coordinator_oslo.memberships.get(),
        email=v.email,
        role=Role.VOLUNTEER,
        association=oslo,
    )
    services.volunteer_transition(volunteer=v, to=Status.ENDED)
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410


def test_no_email_or_notification_reaches_an_erased_person(erased, caplog):
    user = User.objects.get(pk=erased.user_id)
    assert email_send(to=erased.email, template="courses/email/session_news", context={}) is None
    notify(recipients=[user], kind=APPROVED, link="/", role=Role.VOLUNTEER)
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()
    assert erased.email not in caplog.text  # the drop is logged by count, not by address


def test_erasing_her_stops_what_waits_in_the_outbox_and_forgets_her_address(oslo):
    user = person(Role.VOLUNTEER, place=oslo, first_name="Ada", email="ada@frivillig.example")
    v = approved(oslo, user=user, first_name="Ada")
    services.volunteer_transition(volunteer=v, to=Status.ENDED)
    waiting = email_send(
        to="ada@frivillig.example", template="courses/email/session_news", context={}
    )
    OutboxMessage.objects.filter(pk=waiting.pk).update(status="pending", body="Hei Ada")
    other = email_send(to="kari@example.no", template="courses/email/session_news", context={})
    services.volunteer_erase(volunteer=v)
    waiting.refresh_from_db()
    assert waiting.status == "failed" and waiting.to == "" and waiting.body == ""
    assert not OutboxMessage.objects.filter(to__iexact="ada@frivillig.example").exists()
    assert not OutboxMessage.objects.filter(recipient=user).exists()
    other.refresh_from_db()
    assert other.to == "kari@example.no"
