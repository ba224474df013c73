"""A security key as the second step, for the national admin (phishing-resistant two-step login):
she adds one from her two-step settings, logs out, and logs in with her password and the key.

Chromium's virtual authenticator (WebAuthn over the DevTools protocol) stands in for the key: it
answers the browser as a real key would, touched and verified.
"""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.e2e.conftest import confirm_password_if_asked, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def plug_in_a_key(page) -> None:
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_national_admin_adds_a_security_key_and_logs_in_with_it(
    people, checker, words, national_admin
):
    page = people(words.language)
    plug_in_a_key(page)
    log_in(page, checker, words, national_admin, PASSWORD)

    page.goto("/totrinn/")
    checker.arrived(page)
    expect(page.get_by_text(words("Recommended for national admins."))).to_be_visible()
    page.get_by_role("link", name=words("Manage security keys")).click()
    page.wait_for_url("**/totrinn/sikkerhetsnokler/")
    checker.arrived(page)
    page.get_by_role("link", name=words("Add a security key")).click()
    confirm_password_if_asked(page, checker, words, PASSWORD)
    page.wait_for_url("**/totrinn/sikkerhetsnokler/ny/")
    checker.arrived(page)
    page.get_by_label(words.field("Name of the key")).fill("Nøkkel på kontoret")
    with page.expect_navigation():
        page.get_by_role("button", name=words("Add the key")).click()
    checker.arrived(page)
    assert Authenticator.objects.filter(
        user=national_admin, type=Authenticator.Type.WEBAUTHN
    ).exists()

    # Out, and in again: the password, then the key instead of the app's code.
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name=words.exact("Log out")).click()
    checker.arrived(page)
    page.get_by_role("link", name=words.exact("Log in")).first.click()
    page.wait_for_url("**/logg-inn/**")
    page.get_by_label(words("Email")).fill(national_admin.email)
    page.get_by_label(words("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=words.exact("Log in")).click()
    page.wait_for_url("**/totrinn/bekreft/")
    checker.arrived(page)
    with page.expect_navigation():
        page.get_by_role("button", name=words("Use a security key")).click()
    checker.arrived(page)
    assert "/totrinn/" not in page.url and "/logg-inn/" not in page.url, page.url
    key = Authenticator.objects.get(user=national_admin, type=Authenticator.Type.WEBAUTHN)
    assert key.last_used_at is not None
