"""The code field of two-step login on a phone: a numeric keyboard, the phone may fill in the
code, and a recovery code can still be typed wherever one is accepted."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from accounts.forms import ActivateAppForm, ReauthenticateCodeForm, TwoStepCodeForm
from accounts.models import Role
from tests.accounts.test_login import code_for, post_password
from tests.accounts.test_reauthentication import age_the_login
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db

CODE_INPUT = re.compile(r'<input[^>]*name="code"[^>]*>')


def code_input(html: str) -> str:
    found = CODE_INPUT.findall(html)
    assert len(found) == 1, found
    return found[0]


def assert_numeric_one_time_code(tag: str) -> None:
    assert 'inputmode="numeric"' in tag
    assert 'autocomplete="one-time-code"' in tag
    assert "placeholder" not in tag


def pattern_of(tag: str) -> re.Pattern:
    # The browser anchors a pattern to the whole value.
    pattern = re.search(r'pattern="([^"]+)"', tag).group(1)
    return re.compile(f"^(?:{pattern})$")


def test_the_second_step_of_a_login_takes_the_app_code_or_a_recovery_code(client, coordinator_oslo):
    post_password(client, coordinator_oslo.email)
    tag = code_input(client.get(reverse("mfa_authenticate")).content.decode())
    assert_numeric_one_time_code(tag)
    pattern = pattern_of(tag)
    recovery_code = RecoveryCodes.activate(coordinator_oslo).get_unused_codes()[0]
    # allauth's recovery codes are digits: the numeric keyboard types them too.
    assert recovery_code.isdigit()
    for typed in ("123456", "123 456", recovery_code):
        assert pattern.match(typed), typed
    assert not pattern.match("12345") and not pattern.match("abcdef")
    response = client.post(reverse("mfa_authenticate"), {"code": recovery_code})
    assert response.status_code == 302
    assert "/totrinn/" not in response["Location"]


def test_a_code_as_the_app_shows_it_with_a_space_is_accepted(client, coordinator_oslo):
    post_password(client, coordinator_oslo.email)
    code = code_for(coordinator_oslo.totp_secret)
    response = client.post(reverse("mfa_authenticate"), {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert "/totrinn/" not in response["Location"]


def test_setting_up_the_app_asks_for_six_digits(client, oslo):
    user = person(Role.VOLUNTEER, place=oslo, two_step=False)
    login(client, user)
    age_the_login(client, 0, reauthenticated=True)
    tag = code_input(client.get(reverse("mfa_activate_totp")).content.decode())
    assert_numeric_one_time_code(tag)
    pattern = pattern_of(tag)
    assert pattern.match("123456") and not pattern.match("12345678")


def test_confirming_it_is_her_takes_the_app_code_or_a_recovery_code(client, coordinator_oslo):
    login(client, coordinator_oslo)
    tag = code_input(client.get(reverse("mfa_reauthenticate")).content.decode())
    assert_numeric_one_time_code(tag)
    assert pattern_of(tag).match("12345678")


def test_every_code_form_of_two_step_login_is_ours(settings):
    from allauth.mfa import app_settings

    assert app_settings.FORMS["authenticate"] == f"{TwoStepCodeForm.__module__}.TwoStepCodeForm"
    assert app_settings.FORMS["reauthenticate"].endswith(ReauthenticateCodeForm.__name__)
    assert app_settings.FORMS["activate_totp"].endswith(ActivateAppForm.__name__)
