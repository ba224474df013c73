"""Confirming who she is before a sensitive change: which ways, and that no page breaks.

A woman's mailbox may be shared with the abuser or the family, so a code sent by email does not
prove that the person at the keyboard is the one who logged in. She confirms with her password
or her second step, never with a code by email (ACCOUNT_REAUTHENTICATION_METHODS).

A new release of django-allauth once linked every "confirm it is you" page to an emailed-code
view we do not mount, and those pages answered 500. The walk below opens every page allauth's
templates (and ours) can link to, as each role, in three states of the login: just logged in,
just confirmed, and confirmed longer ago than the window.
"""

import re
import time
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.conftest import login

URL_TAG = re.compile(r"""{%\s*url\s+['"]([\w:-]+)['"]""")


def linked_url_names() -> set[str]:
    """Every URL name the account and two-step templates (allauth's and ours) can link to."""
    folders = [
        Path(allauth.__file__).parent / "templates",
        *map(Path, settings.TEMPLATES[0]["DIRS"]),
    ]
    names = set()
    for folder in folders:
        for template in folder.rglob("*.html"):
            if {"account", "mfa", "allauth"} & set(template.relative_to(folder).parts[:1]):
                names |= set(URL_TAG.findall(template.read_text()))
    return names


def mounted_without_arguments(names: set[str]) -> list[str]:
    paths = []
    for name in sorted(names):
        try:
            paths.append(reverse(name))
        except NoReverseMatch:  # not mounted here, or needs an argument (a key, a pk)
            continue
    return paths


def age_the_login(client: Client, seconds: float, *, reauthenticated: bool) -> None:
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - seconds
        if reauthenticated:
            record["reauthenticated"] = True
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def test_no_code_by_email_to_confirm_it_is_her(volunteer_oslo):
    assert set(settings.ACCOUNT_REAUTHENTICATION_METHODS) == {"password", "mfa"}
    offered = {m["id"] for m in get_adapter().get_reauthentication_methods(volunteer_oslo)}
    assert "reauthenticate_by_code" not in offered
    assert {"reauthenticate", "mfa_reauthenticate"} <= offered


def test_the_walk_reaches_the_pages_that_once_broke():
    paths = set(mounted_without_arguments(linked_url_names()))
    for name in (
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_add_webauthn",
        "mfa_deactivate_totp",
    ):
        assert reverse(name) in paths, name


STATES = {
    "just logged in": (0, False),
    "just confirmed": (0, True),
    "confirmed before the window": (settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60, True),
}


# The people come from request.getfixturevalue, which pytest-django cannot see when it orders
# the tests: without the mark the test ran after the transactional ones, on a flushed database.
@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "role",
    ["coordinator_oslo", "shelter_worker_oslo", "volunteer_oslo", "national_admin", "stranger"],
)
def test_every_linked_page_answers_without_an_error(request, role, state):
    user = request.getfixturevalue(role)
    paths = mounted_without_arguments(linked_url_names())
    broken = []
    for path in paths:
        if path == reverse("account_logout"):
            continue  # a GET shows the confirmation, but keep the walk logged in to be sure
        client = Client(raise_request_exception=False)
        login(client, user)
        seconds, reauthenticated = STATES[state]
        age_the_login(client, seconds, reauthenticated=reauthenticated)
        response = client.get(path, follow=True)
        hops = [*(code for _, code in response.redirect_chain), response.status_code]
        if any(code >= 500 for code in hops):
            broken.append(f"{path}: {hops}")
        else:
            assert response.status_code in (200, 403, 404, 405), (path, response.status_code)
    assert not broken, "\n".join(broken)


def test_a_sensitive_page_asks_her_to_confirm_with_password_or_app(volunteer_oslo):
    client = Client()
    login(client, volunteer_oslo)
    age_the_login(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60, reauthenticated=True)
    response = client.get(reverse("mfa_generate_recovery_codes"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        reverse("account_reauthenticate") in response.redirect_chain[-1][0]
        or reverse("mfa_reauthenticate") in response.redirect_chain[-1][0]
    )
    assert "/kode/" not in page and "request_reauthentication_code" not in page
