"""Headers on a sample of pages; nothing loaded from another origin; no-store when logged in."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import login
from tests.helpers import assert_no_inline_code, assert_nothing_from_other_origins

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, str]:
    return {
        part.split()[0]: part
        for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
        if part
    }


@pytest.mark.parametrize(
    "url", ["/", "/personvern/", "/bli-ressursvenn/", "/logg-inn/", "/finnes-ikke/"]
)
def test_public_pages_send_a_strict_policy(client, url):
    response = client.get(url)
    policy = csp(response)
    assert policy["default-src"] == "default-src 'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+'", policy["script-src"])
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    for feature in ("geolocation=()", "camera=()", "microphone=()", "payment=()"):
        assert feature in response["Permissions-Policy"]
    html = response.content.decode()
    assert_no_inline_code(html)
    assert_nothing_from_other_origins(html)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert f'nonce="{nonce}"' in html


def test_logged_in_pages_are_never_cached_and_logging_out_clears_the_site(
    client, coordinator_oslo, volunteer_oslo
):
    login(client, coordinator_oslo)
    for url in (
        "/",
        reverse("referral_list"),
        reverse("volunteer_list"),
        reverse("notification_list"),
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert_no_inline_code(response.content.decode())
    response = client.post(reverse("account_logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    # The session is over and its cookie gone; the language she chose stays.
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""


def test_production_settings_harden_cookies_and_transport():
    """The settings module read as production (DEBUG off) sets HSTS for a year and __Host- cookies."""
    import os
    import subprocess
    import sys

    code = (
        "import django,os;django.setup();from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG",)},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "ressursvenner.example.org",
        "FIELD_ENCRYPTION_KEYS": "q7Z2v3xk1wR0rZcO1dC0f0a4bE3mW5l7nJ9pT2sU4yA=",
        "AUDIT_LOG_KEYS": "k" * 43,
        "EMAIL_URL": "smtp+tls://ressursvenner:not-a-real-password@smtp.example.org:587",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SETTINGS_MODULE": "ressursvenner.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) >= 31536000
    assert out[1:3] == ["__Host-sessionid", "__Host-csrftoken"]
    assert out[3:5] == ["True", "True"]
    assert out[5] == "Lax" and out[6] == "True"


def test_state_never_changes_on_get(client, coordinator_oslo, oslo, make_referral):
    from django.urls import get_resolver

    from matching.models import Referral

    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    for name in ("referral_take", "match_propose", "notifications_read_all", "session_keepalive"):
        url = (
            reverse(name, args=[referral.public_id])
            if name in ("referral_take", "match_propose")
            else reverse(name)
        )
        assert client.get(url).status_code == 405, name
    assert Referral.objects.get(pk=referral.pk).status == "received"
    assert get_resolver()  # the resolver walk is in the access-control matrix test
