"""Expired sessions are cleared nightly from the configured session store."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _session(expires_in: timedelta) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = "1"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def test_expired_sessions_are_cleared_and_live_ones_stay(client, coordinator_oslo):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    expired = _session(timedelta(minutes=-1))
    expired_long_ago = _session(timedelta(days=-30))
    live = _session(timedelta(hours=1))
    login(client, coordinator_oslo)
    logged_in = client.session.session_key

    clear_expired_sessions.delay()

    assert set(Session.objects.values_list("session_key", flat=True)) == {live, logged_in}
    assert expired not in Session.objects.values_list("session_key", flat=True)
    assert expired_long_ago not in Session.objects.values_list("session_key", flat=True)
    # She is still logged in.
    assert client.get("/").wsgi_request.user == coordinator_oslo
