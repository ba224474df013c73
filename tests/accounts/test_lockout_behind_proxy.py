"""The login lockout behind the reverse proxy (TRUSTED_PROXIES=1 in production).

The proxy appends the visitor's address to X-Forwarded-For; without that, every visitor looks
like the proxy, and ten failed logins from anyone closed the login for everybody. Each test
logs in through the real login page, as a person does."""

import pytest
from django.urls import reverse

from tests.accounts.test_login import code_for, post_password

pytestmark = pytest.mark.django_db

LOCKED = "For mange mislykkede forsøk"
PROXY = "10.0.0.2"  # the reverse proxy: every request reaches Django from here


@pytest.fixture
def behind_one_proxy(behind_proxies):
    behind_proxies(1)


def via_proxy(client, visitor: str, spoofed: str = ""):
    """Requests as the proxy forwards them: its own address as the peer, the visitor's appended
    to whatever X-Forwarded-For she sent herself."""
    client.defaults.update(
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{spoofed}, {visitor}" if spoofed else visitor,
    )
    return client


def test_ten_failures_from_ten_visitors_do_not_close_the_login_for_an_eleventh(
    client, behind_one_proxy, coordinator_oslo
):
    for n in range(10):
        response = post_password(
            via_proxy(client, f"198.51.100.{n + 1}"), f"ukjent{n}@example.no", "feil-passord-123"
        )
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    response = post_password(via_proxy(client, "203.0.113.11"), coordinator_oslo.email)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code_for(coordinator_oslo.totp_secret)})
    assert "Hva må jeg gjøre i dag?" in client.get("/").content.decode()


def test_ten_failures_from_one_visitor_close_the_login_for_her_address_only(
    client, behind_one_proxy, coordinator_oslo
):
    for n in range(10):
        post_password(
            via_proxy(client, "198.51.100.7", spoofed=f"192.0.2.{n}"),  # her own header varies
            f"ukjent{n}@example.no",
            "feil-passord-123",
        )
    # Her eleventh try is refused, though she made up a new X-Forwarded-For for it ...
    response = post_password(
        via_proxy(client, "198.51.100.7", spoofed="192.0.2.99"), coordinator_oslo.email
    )
    assert LOCKED in response.content.decode()
    # ... while someone else behind the same proxy logs in.
    response = post_password(via_proxy(client, "203.0.113.11"), coordinator_oslo.email)
    assert response["Location"] == reverse("mfa_authenticate")


def test_five_failures_for_one_email_still_close_that_login_from_any_address(
    client, behind_one_proxy, coordinator_oslo, settings
):
    for n in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        response = post_password(
            via_proxy(client, f"198.51.100.{n + 1}"), coordinator_oslo.email, "feil-passord-123"
        )
        assert LOCKED not in response.content.decode()

    # The sixth, from yet another address and with the right password, is refused.
    locked = post_password(via_proxy(client, "203.0.113.50"), coordinator_oslo.email)
    html = locked.content.decode()
    assert locked.status_code == 200
    assert LOCKED in html and "15 minutter" in html
    assert reverse("mfa_authenticate") not in locked.get("Location", "")


@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [
        (1, None),  # no header at all: a request that did not come through the proxy
        (1, ""),
        (1, "not-an-address"),
        (1, "198.51.100.7, "),
        (2, "198.51.100.7"),  # fewer entries than trusted proxies: allauth calls that misconfigured
    ],
)
def test_a_missing_short_or_garbled_header_never_gives_an_error_page(
    client, behind_proxies, coordinator_oslo, proxies, forwarded
):
    behind_proxies(proxies)
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    client.defaults.update(headers)
    wrong = post_password(client, coordinator_oslo.email, "feil-passord-123")
    assert wrong.status_code == 200
    assert "E-postadressen eller passordet er feil." in wrong.content.decode()
    right = post_password(client, coordinator_oslo.email)
    assert right["Location"] == reverse("mfa_authenticate")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "counted"),
    [
        (0, "198.51.100.7", PROXY),  # no proxy trusted: the header is anyone's to write
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # what our proxy appended
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (1, "not-an-address", PROXY),  # not from our proxy: the peer counts
        (2, "198.51.100.7", PROXY),
    ],
)
def test_the_address_that_counts(rf, behind_proxies, proxies, forwarded, counted):
    from allauth.account.adapter import get_adapter

    behind_proxies(proxies)
    request = rf.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert get_adapter(request).get_client_ip(request) == counted
