"""Logging in as a person does: password, then the code from the app."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def post_password(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_coordinator_logs_in_with_password_and_code_and_the_session_key_changes_twice(
    client, coordinator_oslo
):
    client.get(reverse("account_login"))
    key_before = client.session.session_key or client.cookies.get("sessionid").value

    response = post_password(client, coordinator_oslo.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    key_after_password = client.cookies["sessionid"].value
    assert key_after_password != key_before
    # Not logged in yet: the start page is the public landing page.
    assert "En venn for en ny start" in client.get("/").content.decode()

    response = client.post(
        reverse("mfa_authenticate"), {"code": code_for(coordinator_oslo.totp_secret)}
    )
    assert response.status_code == 302
    key_after_code = client.cookies["sessionid"].value
    assert key_after_code not in (key_before, key_after_password)
    html = client.get("/").content.decode()
    assert "Hva må jeg gjøre i dag?" in html
    assert "Koordinator · Oslo Sanitetsforening" in html


def test_a_wrong_code_does_not_log_in_and_a_used_code_cannot_be_reused(client, coordinator_oslo):
    post_password(client, coordinator_oslo.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Feil kode" in response.content.decode()
    code = code_for(coordinator_oslo.totp_secret)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))
    post_password(client, coordinator_oslo.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200  # refused: the same code twice
    assert "Hva må jeg gjøre i dag?" not in client.get("/").content.decode()


def test_a_wrong_password_gets_the_same_answer_whether_the_email_exists_or_not(
    client, coordinator_oslo
):
    known = post_password(client, coordinator_oslo.email, "feil-passord-123")
    unknown = post_password(client, "finnes.ikke@example.no", "feil-passord-123")
    assert known.status_code == unknown.status_code == 200
    message = "E-postadressen eller passordet er feil."
    assert message in known.content.decode()
    assert message in unknown.content.decode()
    # What she typed is kept.
    assert 'value="finnes.ikke@example.no"' in unknown.content.decode()


@pytest.mark.parametrize("exists", [True, False])
def test_repeated_failures_lock_the_login_for_a_while_for_known_and_unknown_emails(
    client, coordinator_oslo, exists, settings
):
    email = coordinator_oslo.email if exists else "finnes.ikke@example.no"
    for _attempt in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        response = post_password(client, email, "feil-passord-123")
        assert "For mange mislykkede forsøk" not in response.content.decode()
    locked = post_password(client, email, PASSWORD if exists else "feil-passord-123")
    html = locked.content.decode()
    assert "For mange mislykkede forsøk" in html
    assert "15 minutter" in html
    # Even the right password is refused while locked.
    assert reverse("mfa_authenticate") not in locked.get("Location", "")


def test_the_lockout_of_one_email_does_not_lock_another(
    client, coordinator_oslo, coordinator_bergen
):
    for _attempt in range(5):
        post_password(client, coordinator_oslo.email, "feil-passord-123")
    response = post_password(client, coordinator_bergen.email)
    assert response.status_code == 302


def test_a_volunteer_logs_in_with_her_password_and_the_code_from_her_phone(client, volunteer_oslo):
    response = post_password(client, volunteer_oslo.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "Min side" not in client.get("/", follow=True).content.decode()
    client.post(reverse("mfa_authenticate"), {"code": code_for(volunteer_oslo.totp_secret)})
    assert "Min side" in client.get("/", follow=True).content.decode()


def test_password_reset_sends_a_link_to_a_known_email_and_nothing_to_an_unknown_one(
    client, coordinator_oslo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": coordinator_oslo.email})
        unknown = client.post(reverse("account_reset_password"), {"email": "ukjent@example.no"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[coordinator_oslo.email]]
    assert "/glemt-passord/nytt/" in mail.outbox[0].body


def test_a_forged_password_reset_link_gets_a_clear_page(client):
    response = client.get("/glemt-passord/nytt/2s-fake-token/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ugyldig" in html.lower() or "utløpt" in html.lower()


def test_passwords_must_be_at_least_12_characters(client, volunteer_oslo):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("kort-pass1", volunteer_oslo)
    validate_password("kaffe-og-en-prat-hver-uke", volunteer_oslo)


def test_every_demo_role_logs_in_and_lands_on_its_start_page(client, settings):
    from django.core.management import call_command

    from accounts.demo import DEMO_PASSWORD, demo_email
    from accounts.models import User

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    expected = {
        "admin": "NKS sentralt",
        "koordinator.oslo": "Hva må jeg gjøre i dag?",
        "krisesenter.oslo": "Oslo krisesenter (demo)",
        "frivillig.oslo": "Hei, Nora",
    }
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    for local_part, heading in expected.items():
        client.logout()
        user = User.objects.get(email=demo_email(local_part))
        response = post_password(client, user.email, DEMO_PASSWORD)
        assert response.status_code == 302, local_part
        totp = Authenticator.objects.filter(user=user, type="totp").first()
        if totp:
            assert response["Location"] == reverse("mfa_authenticate")
            response = client.post(
                reverse("mfa_authenticate"), {"code": code_for(decrypt(totp.data["secret"]))}
            )
            assert response.status_code == 302
        assert heading in client.get("/", follow=True).content.decode(), local_part
