import runpy
import time
from pathlib import Path

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from accounts.access import LAST_ACTIVITY_SESSION_KEY, LOGIN_AT_SESSION_KEY, access_of
from accounts.models import Role
from ressursvenner.celery import app as celery_app
from tests.factories import AssociationFactory, ShelterFactory, person


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run Celery tasks in-process; the integration tests start a real worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing with a million PBKDF2 rounds is the point in production and a waste here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _norwegian():
    """Each test starts in Norwegian: a request in English leaves English active in the thread,
    and a service called after it would answer in English."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and used two-step codes live in the cache: each test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_proxies(settings, monkeypatch):
    """Run as production behind `count` reverse proxies: the proxy settings are what
    ressursvenner/settings.py makes of TRUSTED_PROXIES=count, read afresh from the file."""

    def configure(count: int = 1) -> None:
        monkeypatch.setenv("TRUSTED_PROXIES", str(count))
        made = runpy.run_path(str(Path(settings.BASE_DIR) / "ressursvenner" / "settings.py"))
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = made["ALLAUTH_TRUSTED_PROXY_COUNT"]

    return configure


def login(client, user) -> None:
    """Log `user` in as if she had passed both steps (the login flow itself is tested apart)."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": 0, "email": user.email},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    # What her first page view after the login records (accounts/middleware.py), so that a
    # measured request is an ordinary one, not the first of a session.
    session[LOGIN_AT_SESSION_KEY] = session[LAST_ACTIVITY_SESSION_KEY] = int(time.time())
    session.save()
    # And the cached copy of her access that the login's own requests leave (read afresh: the
    # database has raised her access_version since `user` was loaded).
    access_of(type(user).objects.get(pk=user.pk))


# --- The cast: two associations with their people, and a stranger -----------------------------


@pytest.fixture
def oslo(db):
    return AssociationFactory(name="Oslo Sanitetsforening", covers=["0301", "3201"])


@pytest.fixture
def bergen(db):
    return AssociationFactory(name="Bergen Sanitetsforening", covers=["4601", "4627"])


@pytest.fixture
def oslo_shelter(db):
    return ShelterFactory(name="Oslo krisesenter")


@pytest.fixture
def bergen_shelter(db):
    from tests.factories import municipality

    return ShelterFactory(name="Bergen krisesenter", municipality=municipality("4601"))


@pytest.fixture
def coordinator_oslo(oslo):
    return person(Role.COORDINATOR, place=oslo, first_name="Hanne", email="hanne@oslo.example")


@pytest.fixture
def coordinator_bergen(bergen):
    return person(Role.COORDINATOR, place=bergen, first_name="Silje", email="silje@bergen.example")


@pytest.fixture
def shelter_worker_oslo(oslo_shelter):
    return person(Role.SHELTER_STAFF, place=oslo_shelter, email="camilla@krisesenter.example")


@pytest.fixture
def shelter_worker_bergen(bergen_shelter):
    return person(Role.SHELTER_STAFF, place=bergen_shelter, email="tone@krisesenter.example")


@pytest.fixture
def volunteer_oslo(oslo):
    return person(Role.VOLUNTEER, place=oslo, first_name="Nora", email="nora@frivillig.example")


@pytest.fixture
def national_admin(db):
    return person(Role.NATIONAL_ADMIN, email="ingrid@nks.example")


@pytest.fixture
def superuser_admin(db):
    """A national admin who is also a superuser: the one who may use Django's admin, in an
    emergency (accounts.admin_site.may_use_admin)."""
    return person(Role.NATIONAL_ADMIN, email="sigrid@nks.example", is_superuser=True)


@pytest.fixture
def stranger(db):
    from tests.factories import UserFactory

    return UserFactory(email="ukjent@example.no")
