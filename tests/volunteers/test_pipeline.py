"""Screening, status changes, approval, commitment periods, and the volunteer's own pages."""

import time as time_module
from datetime import datetime, time, timedelta

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, User
from courses.models import Course, Enrolment, EnrolmentStatus, Session
from tests.conftest import login
from tests.factories import volunteer
from tests.matching.conftest import make_match, make_referral  # noqa: F401 (fixtures)
from tests.querycount import assert_constant_queries
from volunteers import services
from volunteers.models import CommitmentPeriod, ConfidentialityDeclaration, EndReason, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def declaration(db):
    return ConfidentialityDeclaration.objects.create(version=1, text="Taushet.")


def screened(association, coordinator, declaration, **fields):
    today = timezone.localdate()
    return volunteer(
        association,
        status=Status.COURSE,
        interview_on=today,
        interview_by=coordinator,
        first_reference_checked_on=today,
        second_reference_checked_on=today,
        confidentiality_signed_on=today,
        confidentiality_version=declaration,
        police_certificate_seen_on=today,
        police_certificate_seen_by=coordinator,
        **fields,
    )


def attend_basic_course(v, association):
    basic = Course.objects.get(required_for_matching=True)
    day = timezone.localdate() - timedelta(days=7)
    session = Session.objects.create(
        course=basic,
        association=association,
        starts_at=timezone.make_aware(datetime.combine(day, time(17))),
        ends_at=timezone.make_aware(datetime.combine(day, time(21))),
        place="Lokalet",
        capacity=10,
    )
    Enrolment.objects.create(session=session, volunteer=v, status=EnrolmentStatus.ATTENDED)


def test_the_allowed_transitions_and_a_clear_refusal_for_the_rest(oslo):
    v = volunteer(oslo)
    services.volunteer_transition(volunteer=v, to=Status.SCREENING)
    with pytest.raises(services.VolunteerError, match="kan ikke gå fra"):
        services.volunteer_transition(volunteer=v, to=Status.PAUSED)
    v.refresh_from_db()
    assert v.status == Status.SCREENING
    with pytest.raises(services.VolunteerError, match="grunn"):
        services.volunteer_transition(volunteer=v, to=Status.REJECTED, reason=" ")
    services.volunteer_transition(volunteer=v, to=Status.REJECTED, reason="Passer ikke nå.")
    v.refresh_from_db()
    assert (v.status, v.status_reason) == (Status.REJECTED, "Passer ikke nå.")


def test_approval_is_refused_until_screening_and_the_basic_course_are_done_then_accepted(
    client, oslo, coordinator_oslo, declaration, django_capture_on_commit_callbacks
):
    v = volunteer(oslo, status=Status.COURSE, first_name="Selam", email="selam@example.no")
    login(client, coordinator_oslo)
    response = client.post(reverse("volunteer_approve", args=[v.public_id]), follow=True)
    html = response.content.decode()
    assert "kan ikke godkjennes ennå" in html
    assert "intervjuet" in html and "politiattesten" in html
    v.refresh_from_db()
    assert v.status == Status.COURSE

    today = timezone.localdate()
    url = lambda step: reverse("screening_record", args=[v.public_id, step])  # noqa: E731
    client.post(
        url("interview"), {"interview-on": today.isoformat(), "interview-note": "God samtale."}
    )
    client.post(
        url("references"),
        {"references-first_on": today.isoformat(), "references-second_on": today.isoformat()},
    )
    client.post(
        url("confidentiality"),
        {"confidentiality-on": today.isoformat(), "confidentiality-version": declaration.pk},
    )
    client.post(url("police"), {"police-on": today.isoformat()})
    v.refresh_from_db()
    assert v.interview_by == coordinator_oslo and v.police_certificate_seen_by == coordinator_oslo
    assert v.police_certificate_legal_basis == "krisesenterlova § 7"
    assert services.approval_missing(v) == ["alle kurs som kreves for kobling, fullført"]

    attend_basic_course(v, oslo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("volunteer_approve", args=[v.public_id]))
    v.refresh_from_db()
    assert v.status == Status.APPROVED and v.approved_at
    period = v.commitments.get()
    assert period.starts_on == today
    assert (
        period.ends_on == today.replace(year=today.year + 1)
        or period.ends_on.year == today.year + 1
    )
    assert v.user.email == "selam@example.no" and not v.user.has_usable_password()
    invitation_mail = next(m for m in mail.outbox if "/invitasjon/" in m.body)
    assert invitation_mail.to == ["selam@example.no"]

    # She opens the invitation, sets her password, and sees her commitment.
    client.logout()
    path = next(
        line for line in invitation_mail.body.splitlines() if "/invitasjon/" in line
    ).strip()
    path = path.removeprefix("http://127.0.0.1:8000")
    client.post(
        path,
        {
            "first_name": "Selam",
            "password1": "kaffe-og-kanel-2026",
            "password2": "kaffe-og-kanel-2026",
        },
    )
    assert Membership.objects.filter(user=v.user, role=Role.VOLUNTEER, association=oslo).exists()
    # She will see a woman's data: first she sets up two-step login.
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("mfa_activate_totp")
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time_module.time()) // 30))
    client.post(reverse("mfa_activate_totp"), {"code": code})
    response = client.get("/", follow=True)
    html = response.content.decode()
    assert "Hei, Selam" in html
    assert "dager igjen av året ditt som ressursvenn" in html


def test_a_future_screening_date_is_refused_with_a_message(client, oslo, coordinator_oslo):
    v = volunteer(oslo, status=Status.SCREENING)
    login(client, coordinator_oslo)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("screening_record", args=[v.public_id, "interview"]), {"interview-on": future}
    )
    assert response.status_code == 200
    assert "Datoen kan ikke være fram i tid." in response.content.decode()
    v.refresh_from_db()
    assert v.interview_on is None


def test_a_new_declaration_version_must_be_signed_again_and_the_coordinator_sees_who_has_not(
    client, oslo, coordinator_oslo, declaration
):
    signed = screened(oslo, coordinator_oslo, declaration, first_name="Solveig")
    CommitmentPeriod.objects.create(
        volunteer=signed,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    signed.status = Status.APPROVED
    signed.save()
    login(client, coordinator_oslo)
    assert "Solveig" not in client.get(reverse("confidentiality_overview")).content.decode()
    ConfidentialityDeclaration.objects.create(version=2, text="Ny tekst.")
    html = client.get(reverse("confidentiality_overview")).content.decode()
    assert "Solveig" in html
    assert "taushetserklæringen, gjeldende versjon, signert" in services.screening_missing(signed)


def test_each_screening_step_offers_change_when_done_and_record_when_missing(
    client, oslo, coordinator_oslo, declaration
):
    import re

    done = screened(oslo, coordinator_oslo, declaration)
    halfway = volunteer(
        oslo, status=Status.SCREENING, first_reference_checked_on=timezone.localdate()
    )
    client.cookies["rv_language"] = "en"
    login(client, coordinator_oslo)

    def steps(v) -> list[tuple[str, str]]:
        html = client.get(v.get_absolute_url()).content.decode()
        assert "Record that she withdraws her consent</a>" in html
        return re.findall(r'<summary>(\w+)<span class="visually-hidden">: ([^<]+)</span>', html)

    names = [
        "Interview",
        "Two references",
        "Confidentiality declaration",
        "Police certificate seen",
    ]
    assert steps(done) == [("Change", name) for name in names]
    assert steps(halfway) == [("Record", name) for name in names]


def test_ending_her_erases_the_police_certificate_and_ends_her_year_and_role(
    oslo, coordinator_oslo, declaration
):
    user = User.objects.create_user("frivillig@example.no")
    Membership.objects.create(user=user, role=Role.VOLUNTEER, association=oslo)
    v = screened(oslo, coordinator_oslo, declaration, user=user)
    v.status = Status.APPROVED
    v.save()
    period = CommitmentPeriod.objects.create(
        volunteer=v,
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=335),
    )
    services.volunteer_transition(volunteer=v, to=Status.ENDED, reason="Flyttet.")
    v.refresh_from_db()
    period.refresh_from_db()
    assert v.police_certificate_seen_on is None and v.police_certificate_seen_by is None
    assert v.police_certificate_legal_basis == ""
    assert period.ended_on == timezone.localdate()
    assert not Membership.objects.active().filter(user=user).exists()


def test_she_cannot_end_or_be_erased_while_a_woman_is_matched_with_her(
    client, oslo, coordinator_oslo, make_match
):
    from matching.models import MatchStatus

    v = volunteer(oslo, status=Status.APPROVED)
    match = make_match(v, status=MatchStatus.ACTIVE)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("volunteer_transition", args=[v.public_id]),
        {"to": Status.ENDED, "reason": "Flytter."},
        follow=True,
    )
    assert "Hun har 1 åpen kobling. Avslutt eller avbryt den først" in response.content.decode()
    response = client.post(reverse("volunteer_erase", args=[v.public_id]), follow=True)
    assert "Hun har 1 åpen kobling" in response.content.decode()
    v.refresh_from_db()
    assert (v.status, v.erased_at, v.status_reason) == (Status.APPROVED, None, "")

    match.status, match.outcome_moved_back = MatchStatus.ENDED, "no"
    match.save()
    services.volunteer_transition(volunteer=v, to=Status.ENDED, reason="Flytter.")
    v.refresh_from_db()
    assert (v.status, v.status_reason) == (Status.ENDED, "Flytter.")
    page = client.get(reverse("volunteer_detail", args=[v.public_id])).content.decode()
    assert "Hvorfor hun sluttet" in page and "Flytter." in page


def test_a_match_followed_by_a_neighbouring_association_is_named_when_she_cannot_end(
    oslo, bergen, make_match, make_referral
):
    from matching.models import MatchStatus

    v = volunteer(oslo, status=Status.APPROVED)
    make_match(v, status=MatchStatus.ACTIVE, referral=make_referral(bergen))
    with pytest.raises(services.VolunteerError, match="Bergen Sanitetsforening"):
        services.volunteer_transition(volunteer=v, to=Status.ENDED)


def test_one_open_commitment_period_at_a_time_is_a_database_rule(oslo):
    v = volunteer(oslo, status=Status.APPROVED)
    today = timezone.localdate()
    CommitmentPeriod.objects.create(
        volunteer=v, starts_on=today, ends_on=today + timedelta(days=365)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentPeriod.objects.create(
            volunteer=v, starts_on=today, ends_on=today + timedelta(days=300)
        )


def test_renewal_starts_where_the_last_year_ends_and_ending_records_the_reason(oslo):
    v = volunteer(oslo, status=Status.APPROVED)
    start = timezone.localdate() - timedelta(days=300)
    first = CommitmentPeriod.objects.create(
        volunteer=v, starts_on=start, ends_on=start + timedelta(days=365)
    )
    second = services.commitment_renew(volunteer=v)
    first.refresh_from_db()
    assert (first.ended_on, first.end_reason) == (first.ends_on, EndReason.RENEWED)
    assert second.starts_on == first.ends_on and second.ended_on is None
    with pytest.raises(services.VolunteerError):
        services.commitment_end(
            period=second, on=second.starts_on - timedelta(days=1), reason=EndReason.MOVED
        )
    services.commitment_end(
        period=second,
        on=second.starts_on + timedelta(days=10),
        reason=EndReason.MOVED,
        note="Til Bergen",
    )
    second.refresh_from_db()
    assert (second.end_reason, second.end_note) == (EndReason.MOVED, "Til Bergen")


def test_a_coordinator_of_bergen_gets_404_on_every_volunteer_url_of_oslo(
    client, oslo, coordinator_bergen
):
    v = volunteer(oslo, status=Status.APPROVED, first_name="Hemmelig")
    CommitmentPeriod.objects.create(
        volunteer=v,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    login(client, coordinator_bergen)
    pid = v.public_id
    assert client.get(reverse("volunteer_detail", args=[pid])).status_code == 404
    for name, args in [
        ("volunteer_transition", [pid]),
        ("volunteer_approve", [pid]),
        ("screening_record", [pid, "interview"]),
        ("commitment_renew", [pid]),
        ("commitment_end", [pid]),
    ]:
        assert (
            client.post(
                reverse(name, args=args), {"to": "paused", "interview-on": "2026-01-01"}
            ).status_code
            == 404
        )
    assert "Hemmelig" not in client.get(reverse("volunteer_list")).content.decode()
    v.refresh_from_db()
    assert v.status == Status.APPROVED and v.commitments.count() == 1


def test_the_list_filters_and_makes_a_fixed_number_of_queries(
    client, oslo, coordinator_oslo, declaration
):
    volunteer(oslo, first_name="Astrid", languages=("no", "ar"))
    volunteer(oslo, first_name="Berit", status=Status.SCREENING)
    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_list"), {"language": "ar"}).content.decode()
    assert "Astrid" in html and "Berit" not in html
    html = client.get(reverse("volunteer_list"), {"status": "screening"}).content.decode()
    assert "Berit" in html and "Astrid" not in html
    # The search posts; the text is kept in the session and the list shown at ?sok=<id>.
    searched = client.post(reverse("volunteer_list"), {"q": "astr"})
    html = client.get(searched["Location"]).content.decode()
    assert "Astrid" in html and "Berit" not in html

    def grow(n):
        for _ in range(n):
            v = volunteer(oslo, first_name="Astrid", languages=("no", "pl"))
            CommitmentPeriod.objects.create(
                volunteer=v,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + timedelta(days=365),
            )

    assert_constant_queries(client, reverse("volunteer_list"), grow)
    assert_constant_queries(client, searched["Location"], grow)


def test_volunteers_and_shelter_staff_cannot_open_the_coordinator_pages(
    client, oslo, volunteer_oslo, shelter_worker_oslo
):
    v = volunteer(oslo)
    for user in (volunteer_oslo, shelter_worker_oslo):
        client.logout()
        login(client, user)
        assert client.get(reverse("volunteer_list")).status_code == 403
        assert client.get(reverse("volunteer_detail", args=[v.public_id])).status_code == 403


def test_she_changes_her_phone_languages_and_availability_but_not_her_status(
    client, oslo, volunteer_oslo
):
    v = volunteer(oslo, status=Status.APPROVED, user=volunteer_oslo, email=volunteer_oslo.email)
    login(client, volunteer_oslo)
    response = client.post(
        reverse("my_profile"),
        {
            "phone": "+47 98765432",
            "languages": ["no", "uk"],
            "availability": ["4"],
            "strengths": ["2"],
            "status": "approved",
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    v.refresh_from_db()
    assert (
        v.phone.as_e164 == "+4798765432"
        and v.language_codes == ["no", "uk"]
        and v.availability == 4
    )
    assert v.capacity == 1 and v.status == Status.APPROVED
    bad = client.post(
        reverse("my_profile"), {"phone": "abc", "languages": ["no"], "availability": ["4"]}
    )
    assert "gyldig telefonnummer" in bad.content.decode()
    v.refresh_from_db()
    assert v.phone.as_e164 == "+4798765432"


def test_she_is_written_to_in_the_language_she_applied_in(
    client, oslo, coordinator_oslo, declaration, django_capture_on_commit_callbacks
):
    """Applied in English, approved by a coordinator reading Norwegian: her invitation is in
    English, and so is the login it makes."""
    v = screened(oslo, coordinator_oslo, declaration, email="amal@example.no", language="en")
    attend_basic_course(v, oslo)
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("volunteer_approve", args=[v.public_id]))
    invitation_mail = next(m for m in mail.outbox if "/invitasjon/" in m.body)
    assert invitation_mail.subject == "Your invitation to Ressursvenner"
    assert User.objects.get(email="amal@example.no").language == "en"


def test_her_coordinator_resets_her_two_step_login_after_speaking_with_her(
    client, oslo, coordinator_oslo, volunteer_oslo, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator

    from accounts.models import AccessLog

    v = volunteer(oslo, status=Status.APPROVED, user=volunteer_oslo, email=volunteer_oslo.email)
    url = reverse("volunteer_reset_two_step", args=[v.public_id])
    login(client, coordinator_oslo)
    client.post(url)  # not confirmed: nothing happens
    assert Authenticator.objects.filter(user=volunteer_oslo).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "Totrinnsinnloggingen hennes er nullstilt" in response.content.decode()
    assert not Authenticator.objects.filter(user=volunteer_oslo).exists()
    volunteer_oslo.refresh_from_db()
    assert volunteer_oslo.sessions_revoked_at is not None
    assert AccessLog.objects.filter(action="reset", object_id=str(v.public_id)).exists()
    [email] = [m for m in mail.outbox if m.to == [volunteer_oslo.email]]
    assert "nullstilt" in email.subject


def test_a_coordinator_cannot_reset_the_two_step_login_of_someone_with_another_role(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen
):
    from allauth.mfa.models import Authenticator

    Membership.objects.create(user=coordinator_bergen, role=Role.VOLUNTEER, association=oslo)
    v = volunteer(oslo, status=Status.APPROVED, user=coordinator_bergen)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("volunteer_reset_two_step", args=[v.public_id]), {"confirmed": "yes"}, follow=True
    )
    assert "nasjonal administrator" in response.content.decode()
    assert Authenticator.objects.filter(user=coordinator_bergen).exists()


def test_after_renewing_early_her_start_page_shows_the_year_she_is_in_and_the_renewal(
    client, oslo, volunteer_oslo
):
    v = volunteer(oslo, status=Status.APPROVED, user=volunteer_oslo, email=volunteer_oslo.email)
    today = timezone.localdate()
    start = today - timedelta(days=300)
    first = CommitmentPeriod.objects.create(
        volunteer=v, starts_on=start, ends_on=start + timedelta(days=365)
    )
    second = services.commitment_renew(volunteer=v)
    login(client, volunteer_oslo)
    page = client.get(reverse("my_page"))
    assert page.context["commitment"] == first
    assert page.context["renewed_until"] == second.ends_on
    html = page.content.decode()
    assert "65 dager igjen av året ditt" in html
    assert f"Fornyet med ett år, frem til {second.ends_on:%d.%m.%Y}." in html


def test_her_start_page_shows_the_open_year_when_she_has_not_renewed(client, oslo, volunteer_oslo):
    v = volunteer(oslo, status=Status.APPROVED, user=volunteer_oslo, email=volunteer_oslo.email)
    today = timezone.localdate()
    period = CommitmentPeriod.objects.create(
        volunteer=v, starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=355)
    )
    login(client, volunteer_oslo)
    page = client.get(reverse("my_page"))
    assert (page.context["commitment"], page.context["renewed_until"]) == (period, None)
