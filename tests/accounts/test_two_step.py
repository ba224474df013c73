"""Two-step login is mandatory for every role that can see a woman's data."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from tests.conftest import login
from tests.factories import PASSWORD, person

pytestmark = pytest.mark.django_db

# Pages anyone may reach, logged in or not.
PUBLIC = {"home", "privacy", "become_volunteer", "health", "health_web", "set_language"}


def _named_urls_without_arguments():
    """Every named URL of the project that takes no argument (new pages are covered by themselves)."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, ns)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and not pattern.pattern.converters
                and "(?P<" not in str(pattern.pattern)
            ):
                yield f"{namespace}{pattern.name}"

    return sorted(set(walk(get_resolver().url_patterns)))


SETUP_PAGES = {
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
    "session_keepalive",
    "session_status",
}


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.SHELTER_STAFF, Role.NATIONAL_ADMIN, Role.VOLUNTEER]
)
def test_without_two_step_login_a_strict_role_reaches_no_page_but_its_set_up(
    client, role, oslo, oslo_shelter
):
    place = {Role.COORDINATOR: oslo, Role.SHELTER_STAFF: oslo_shelter, Role.VOLUNTEER: oslo}.get(
        role
    )
    user = person(role, place=place, two_step=False)
    client.force_login(user)
    names = _named_urls_without_arguments()
    assert "invitation_list" in names and "admin:index" in names
    checked = 0
    for name in names:
        if (
            name in PUBLIC
            or name in SETUP_PAGES
            or (
                name.startswith("account_")
                and name
                not in {
                    "account_change_password",
                    "account_set_password",
                }
            )
        ):
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_activate_totp"), name
        checked += 1
    assert checked >= 5
    # The start page too: it is where she would otherwise see data.
    response = client.get("/")
    assert response["Location"] == reverse("mfa_activate_totp")


def test_setting_up_the_app_opens_the_pages_and_changes_the_session_key(client, oslo):
    user = person(Role.COORDINATOR, place=oslo, two_step=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "Sett opp totrinnsinnlogging" in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    key_before = client.cookies["sessionid"].value

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.cookies["sessionid"].value != key_before
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "Reservekoder" in codes_page
    assert client.get("/").status_code == 200
    assert "Hva må jeg gjøre i dag?" in client.get("/").content.decode()


def test_a_volunteer_is_told_why_she_sets_up_two_step_login(client, oslo):
    """She sees the woman's alias, needs and phone: two steps for her too, asked kindly."""
    user = person(Role.VOLUNTEER, place=oslo, two_step=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(reverse("my_page"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert "Som ressursvenn får du se opplysninger om kvinnen du støtter" in (
        response.content.decode()
    )


def test_a_session_that_skipped_the_second_step_is_ended(client, coordinator_oslo):
    client.force_login(coordinator_oslo)  # password only: no record of the second step
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_a_strict_role_cannot_turn_two_step_login_off(client, coordinator_oslo):
    login(client, coordinator_oslo)
    page = client.get(reverse("mfa_index")).content.decode()
    assert "kan ikke slås av" in page
    client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(user=coordinator_oslo, type="totp").exists()


def test_the_admin_login_form_is_never_used_and_the_admin_is_for_superusers(
    client, superuser_admin, coordinator_oslo
):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    login(client, coordinator_oslo)
    assert client.get("/admin/").status_code == 302  # to the login page: not hers
    client.logout()
    login(client, superuser_admin)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Lokalforeninger" in page.content.decode()
    assert client.get("/admin/accounts/association/").status_code == 200


def test_a_security_key_can_be_removed_but_the_app_of_a_strict_role_cannot(coordinator_oslo):
    from allauth.mfa.adapter import get_adapter

    key = Authenticator.objects.create(
        user=coordinator_oslo, type=Authenticator.Type.WEBAUTHN, data={}
    )
    app = Authenticator.objects.get(user=coordinator_oslo, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(key)
    assert not get_adapter().can_delete_authenticator(app)


def test_the_two_step_settings_offer_a_security_key_in_our_words(client, national_admin):
    login(client, national_admin)
    html = client.get(reverse("mfa_index")).content.decode()
    assert "Anbefales for nasjonale administratorer." in html
    page = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Du har ikke lagt til noen sikkerhetsnøkkel." in page
