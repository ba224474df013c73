"""A passkey login that does not work (the phone has no passkey for this site, or she cancels):
the login page says so in her language and keeps the way in with password and code; no error
page and no error in the console."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_volunteer_road import her_phone_holds_passkeys

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_passkey_login_without_a_passkey_says_so_and_keeps_the_password(people, checker, words):
    page = people(words.language, phone=True)
    her_phone_holds_passkeys(page)  # a phone that can hold passkeys, but holds none for us
    page.get_by_role("link", name=words.exact("Log in")).first.click()
    page.wait_for_url("**/logg-inn/**")
    checker.arrived(page)
    page.get_by_role("button", name=words("Log in with a passkey")).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        words(
            "The passkey was not used: it was cancelled, or this phone or computer does not "
            "have it. Try again, or log in with your email, password and the code from the app."
        )
    )
    checker.arrived(page, state="passkey not used")
    assert "/logg-inn/" in page.url
    expect(page.get_by_label(words("Password"))).to_be_editable()
