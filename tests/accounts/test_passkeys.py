"""Passkeys as the everyday login: one tap with the phone's fingerprint, face or PIN counts as
both steps; a password alone still leads to the second step; no browser is ever trusted to skip
it; and whatever the passkey login is sent, it answers with the login page, never an error."""

import json

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.internal.auth import WebAuthn
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.access import two_step_passed
from tests.accounts.passkey_device import PasskeyDevice
from tests.accounts.test_login import code_for, post_password
from tests.accounts.test_reauthentication import age_the_login
from tests.conftest import login
from tests.helpers import assert_no_inline_code

pytestmark = pytest.mark.django_db

HER_START_PAGE = "Hva må jeg gjøre i dag?"  # the coordinator's start page
FAILED = "Innlogging med tilgangsnøkkel virket ikke."


@pytest.fixture(autouse=True)
def _webauthn_over_http(settings):
    # The test client speaks http://testserver; the FIDO library wants https unless told.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True


@pytest.fixture
def phone(coordinator_oslo):
    """Her phone, with a passkey for her login on it (made as the add-a-passkey page makes it)."""
    device = PasskeyDevice()
    WebAuthn.add(coordinator_oslo, "Telefonen min", device.registration())
    return device


def request_options(client) -> dict:
    response = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()["request_options"]


def just_logged_in(client, user) -> None:
    """Logged in seconds ago: adding a passkey asks for no password again."""
    login(client, user)
    age_the_login(client, 0, reauthenticated=True)


def passkey_login(client, credential, **kwargs):
    if not isinstance(credential, str):
        credential = json.dumps(credential)
    return client.post(reverse("mfa_login_webauthn"), {"credential": credential}, **kwargs)


# --- The settings -----------------------------------------------------------------------------


def test_passkey_login_is_on_and_sign_up_and_trusted_browsers_are_off():
    assert mfa_settings.PASSKEY_LOGIN_ENABLED
    assert not mfa_settings.PASSKEY_SIGNUP_ENABLED
    assert not mfa_settings.TRUST_ENABLED
    assert not mfa_settings._TRUST_STAGE_ENABLED  # nor "trust" after a login by email code
    for name in ("mfa_trust", "mfa_signup_webauthn", "account_signup_by_passkey"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_the_login_page_offers_a_passkey(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Logg inn med tilgangsnøkkel" in page
    assert f'action="{reverse("mfa_login_webauthn")}"' in page
    assert "data-passkey-login" in page and "js/passkey.js" in page
    assert_no_inline_code(page)


# --- The gate: a passkey is both steps, a password alone is one --------------------------------


def test_a_passkey_alone_logs_her_in_and_counts_as_both_steps(client, coordinator_oslo, phone):
    credential = phone.assertion(request_options(client), coordinator_oslo)
    response = passkey_login(client, credential)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    # The two-step gate lets her through: her start page, not the login page.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert HER_START_PAGE in page.content.decode()
    records = client.session[AUTHENTICATION_METHODS_SESSION_KEY]
    assert [(r["method"], r.get("type"), r.get("passwordless")) for r in records] == [
        ("mfa", "webauthn", True)
    ]
    key = Authenticator.objects.get(user=coordinator_oslo, type=Authenticator.Type.WEBAUTHN)
    assert key.last_used_at is not None


def test_a_passkey_the_phone_did_not_unlock_with_her_fingerprint_or_pin_is_refused(
    client, coordinator_oslo, phone
):
    credential = phone.assertion(request_options(client), coordinator_oslo, user_verified=False)
    response = passkey_login(client, credential, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert FAILED in response.content.decode()
    assert HER_START_PAGE not in client.get("/").content.decode()


def test_a_password_alone_still_leads_to_the_second_step(client, coordinator_oslo, phone):
    response = post_password(client, coordinator_oslo.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert HER_START_PAGE not in client.get("/").content.decode()


def test_the_gate_counts_a_passkey_login_but_not_a_password_alone(rf, coordinator_oslo):
    request = rf.get("/")
    request.user = coordinator_oslo
    request.session = {}
    password = {"method": "password", "at": 0, "email": coordinator_oslo.email}
    passkey = {"method": "mfa", "at": 0, "type": "webauthn", "id": 1, "passwordless": True}
    from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY

    request.session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(coordinator_oslo.pk)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [password]
    assert not two_step_passed(request)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [passkey]
    assert two_step_passed(request)


def test_a_session_with_a_password_alone_is_ended_by_the_gate(client, coordinator_oslo):
    login(client, coordinator_oslo)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": 0, "email": coordinator_oslo.email}
    ]
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


# --- No "trust this browser" ------------------------------------------------------------------


def test_no_browser_is_trusted_to_skip_the_second_step(client, coordinator_oslo):
    post_password(client, coordinator_oslo.email)
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert 'name="action"' not in page and "trust" not in page.lower()
    response = client.post(
        reverse("mfa_authenticate"), {"code": code_for(coordinator_oslo.totp_secret)}
    )
    assert response.status_code == 302
    assert "/trust" not in response["Location"] and "/totrinn/" not in response["Location"]
    assert mfa_settings.TRUST_COOKIE_NAME not in response.cookies
    client.post(reverse("account_logout"))
    # The same browser, at once: the code is asked for again.
    assert post_password(client, coordinator_oslo.email)["Location"] == reverse("mfa_authenticate")


# --- Bad input: the login page with a message, never an error page -----------------------------

GARBAGE = [
    "",
    "not json",
    "[]",
    '"a string"',
    "12",
    "null",
    "{}",
    '{"response": 5}',
    '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {"userHandle": "!!"}}',
    json.dumps(
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {
                "clientDataJSON": "e30",
                "authenticatorData": "AAAA",
                "signature": "AAAA",
                "userHandle": "OTk5OTk5",
            },
        }
    ),
]


@pytest.mark.parametrize("credential", GARBAGE)
def test_garbage_sent_to_the_passkey_login_gives_the_login_page_with_a_message(
    credential, coordinator_oslo, phone
):
    client = Client(raise_request_exception=False)
    request_options(client)
    response = passkey_login(client, credential, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("account_login"), 302)]
    assert FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_real_answer_without_a_challenge_asked_for_is_refused(client, coordinator_oslo, phone):
    # Signed for a challenge of another session (or replayed): this session holds no state.
    other = Client()
    credential = phone.assertion(request_options(other), coordinator_oslo)
    response = passkey_login(client, credential, follow=True)
    assert FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_answer_naming_someone_else_is_refused(client, coordinator_oslo, phone, volunteer_oslo):
    credential = phone.assertion(request_options(client), volunteer_oslo)
    response = passkey_login(client, credential, follow=True)
    assert FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- Adding a passkey --------------------------------------------------------------------------


def test_the_two_step_page_and_the_recovery_codes_offer_a_passkey(client, coordinator_oslo):
    login(client, coordinator_oslo)
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Tilgangsnøkler" in index
    assert reverse("mfa_add_passkey") in index
    codes = client.get(reverse("mfa_view_recovery_codes"))
    if codes.status_code == 200:  # she has recovery codes
        assert reverse("mfa_add_passkey") in codes.content.decode()


def test_once_she_has_a_passkey_the_recovery_codes_no_longer_offer_one(
    client, coordinator_oslo, phone
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(coordinator_oslo)
    login(client, coordinator_oslo)
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert reverse("mfa_add_passkey") not in page
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Du har 1 tilgangsnøkkel." in index
    assert "Du har 0 sikkerhetsnøkler." in index  # a passkey is not counted twice
    keys = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Telefonen min" in keys and "Tilgangsnøkkel</span>" in keys


def test_the_add_a_passkey_page_asks_the_browser_for_a_verified_resident_key(
    client, coordinator_oslo
):
    just_logged_in(client, coordinator_oslo)
    response = client.get(reverse("mfa_add_passkey"))
    assert response.status_code == 200
    options = response.context["js_data"]["creation_options"]["publicKey"]
    selection = options["authenticatorSelection"]
    assert selection["residentKey"] == "required"
    assert selection["userVerification"] == "required"
    page = response.content.decode()
    assert 'name="passwordless"' in page and "checked" in page
    assert "Legg til en tilgangsnøkkel" in page


def test_a_passkey_made_without_user_verification_is_refused(client, coordinator_oslo):
    just_logged_in(client, coordinator_oslo)
    response = client.get(reverse("mfa_add_passkey"))
    challenge = response.context["js_data"]["creation_options"]["publicKey"]["challenge"]
    device = PasskeyDevice()
    response = client.post(
        reverse("mfa_add_passkey"),
        {
            "name": "Telefonen",
            "credential": json.dumps(device.registration(challenge, user_verified=False)),
        },
    )
    assert response.status_code == 200
    assert not Authenticator.objects.filter(
        user=coordinator_oslo, type=Authenticator.Type.WEBAUTHN
    ).exists()
    # Made again, this time unlocked with her fingerprint, for the page's fresh challenge.
    challenge = client.get(reverse("mfa_add_passkey")).context["js_data"]["creation_options"][
        "publicKey"
    ]["challenge"]
    response = client.post(
        reverse("mfa_add_passkey"),
        {"name": "Telefonen", "credential": json.dumps(device.registration(challenge))},
    )
    assert response.status_code == 302
    key = Authenticator.objects.get(user=coordinator_oslo, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless
    # And with it she logs in, alone.
    client.post(reverse("account_logout"))
    credential = device.assertion(request_options(client), coordinator_oslo)
    response = passkey_login(client, credential)
    assert HER_START_PAGE in client.get(response["Location"]).content.decode()


def test_the_security_key_page_does_not_ask_about_passwordless(client, national_admin):
    login(client, national_admin)
    page = client.get(reverse("mfa_add_webauthn")).content.decode()
    assert 'name="passwordless"' not in page
