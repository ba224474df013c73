"""The secrets that travel in URLs (a password-reset key, an invitation token, a calendar-feed
token) never reach a log line or the console mail: common/logging.py, on the handler
settings.LOGGING gives every logger, and common/mail.py for the console backend.
A real worker printing a reset email: tests/integration/test_worker.py."""

import contextlib
import io
import logging
import re
import threading
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.urls import reverse
from django.utils.http import int_to_base36

from accounts import services as accounts_services
from accounts.models import Role
from common.logging import RedactSecretsFilter, redact
from courses import services as courses_services
from tests.factories import volunteer
from tests.helpers import ProjectLog

TOKEN = "Zq9-SECRET_tok3n-xYz"

# Every URL the project makes whose path is a key on its own. A new one belongs here, and in
# common/logging.py.
SECRET_URLS = {
    "account_reset_password_from_key": {"uidb36": "2s", "key": f"cz8v1k-{TOKEN}"},
    "invitation_accept": {"token": TOKEN},
    "calendar_feed": {"token": TOKEN},
}


@pytest.mark.parametrize("name", sorted(SECRET_URLS))
def test_every_secret_url_is_redacted_wherever_it_appears(name):
    path = reverse(name, kwargs=SECRET_URLS[name])
    for line in (
        f'"GET {path} HTTP/1.1" 200 512',
        f"Not Found: {path}",
        f"Velg passord: {settings.SITE_URL}{path}\n",
        f"<a href='{settings.SITE_URL}{path}'>lenke</a>",
        f"webcal://ressursvenner.example{path}?x=1",
    ):
        assert TOKEN not in redact(line), line
        assert "[hidden]" in redact(line)


def test_other_addresses_are_left_as_they_are():
    for path in (
        reverse("invitation_list"),
        reverse("calendar_feed_renew"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        "/frivillige/?status=applied&sok=abc",
    ):
        assert redact(f"GET {path}") == f"GET {path}"


def test_every_handler_of_the_logging_configuration_has_the_filter():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), name
    assert settings.LOGGING["filters"]["redact_secrets"]["()"].endswith("RedactSecretsFilter")
    # Every root handler, and no logger with handlers of its own that bypass them.
    assert all(
        any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
        for handler in logging.getLogger().handlers
        if not type(handler).__module__.startswith("_pytest")
    )
    for name in ("django", "django.request", "django.server", "celery", "celery.worker"):
        logger = logging.getLogger(name)
        assert logger.propagate, name
        assert all(isinstance(h, logging.NullHandler) for h in logger.handlers), name


def test_a_traceback_and_arguments_are_redacted_too():
    stream = io.StringIO()
    with ProjectLog(stream):
        logger = logging.getLogger("ressursvenner.test")
        logger.warning("Opened %s", f"/invitasjon/{TOKEN}/")
        try:
            raise ValueError(f"no feed /kalender/{TOKEN}.ics")
        except ValueError:
            logger.exception("Failed")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "Opened /invitasjon/[hidden]/" in text and "/kalender/[hidden].ics" in text


@pytest.mark.django_db
def test_a_database_errors_detail_which_quotes_the_row_is_hidden(oslo, coordinator_oslo):
    """PostgreSQL's "DETAIL:  Key (email)=(...) already exists." (SQLite says less)."""
    from django.db import IntegrityError, transaction

    from accounts.models import User

    row = "(7, Kari, " + "Nordmann)"  # built, so that the traceback's source line lacks it
    stream = io.StringIO()
    with ProjectLog(stream):
        try:
            with transaction.atomic():
                User.objects.create(email=coordinator_oslo.email)
        except IntegrityError:
            logging.getLogger("ressursvenner.test").exception("Could not save")
        try:
            raise ValueError(f"failed\nDETAIL:  Failing row contains {row}.")
        except ValueError:
            logging.getLogger("ressursvenner.test").exception("Could not save")
    text = stream.getvalue()
    assert coordinator_oslo.email not in text and row not in text
    assert "DETAIL: [hidden]" in text and "IntegrityError" in text


@pytest.mark.django_db
def test_a_password_reset_leaves_its_key_in_no_log_and_no_console_mail(
    client, coordinator_oslo, settings, capsys, django_capture_on_commit_callbacks
):
    from notifications.models import OutboxMessage

    settings.EMAIL_BACKEND = "common.mail.ConsoleEmailBackend"  # EMAIL_URL=consolemail://
    stream = io.StringIO()
    with ProjectLog(stream):
        with django_capture_on_commit_callbacks() as deliveries:
            client.post(reverse("account_reset_password"), {"email": coordinator_oslo.email})
        body = OutboxMessage.objects.get(to=coordinator_oslo.email).body
        link = re.search(r"/glemt-passord/nytt/([^/\s]+)/", body)
        for delivery in deliveries:  # the worker's part: the console prints the email
            delivery()
        client.get(link.group(0), follow=True)  # she opens it
    key = link.group(1)
    printed = capsys.readouterr().out
    assert coordinator_oslo.email in printed and "/glemt-passord/nytt/[hidden]/" in printed
    for output in (printed, stream.getvalue()):
        assert key not in output and key.split("-", 1)[1] not in output


@pytest.mark.django_db
def test_the_console_mail_of_an_invitation_hides_the_token_in_text_and_html(
    coordinator_oslo, oslo, settings, capsys, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.EMAIL_BACKEND = "common.mail.ConsoleEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = accounts_services.invitation_create(
            invited_by=coordinator_oslo,
            acting=coordinator_oslo.memberships.get(),
            email="ny.frivillig@example.no",
            role=Role.VOLUNTEER,
            association=oslo,
        )
    printed = capsys.readouterr().out
    assert "ny.frivillig@example.no" in printed
    assert token not in printed
    assert printed.count("/invitasjon/[hidden]/") >= 1
    assert mail.outbox == []  # the console, not the test outbox, got it


@pytest.mark.django_db
def test_request_lines_and_not_found_warnings_show_the_tokens_redacted(oslo, coordinator_oslo):
    """runserver's own request handler, serving the project, in a thread. (Its database
    connection does not see this test's rows, so every token here is unknown: 404, which
    Django logs as "Not Found: <path>" too.)"""
    nora = volunteer(oslo, status="approved")
    feed = courses_services.calendar_feed_get_or_create(volunteer=nora)
    paths = [
        reverse("invitation_accept", args=[TOKEN]),
        reverse("calendar_feed", kwargs={"token": feed.token}),
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": int_to_base36(coordinator_oslo.pk), "key": f"k-{TOKEN}"},
        ),
    ]
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    stream = io.StringIO()
    with ProjectLog(stream):
        serving.start()
        try:
            for path in paths:
                url = f"http://127.0.0.1:{server.server_port}{path}"
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(url, timeout=20).read()
        finally:
            server.shutdown()
            server.server_close()
    text = stream.getvalue()
    assert re.search(r'"GET /invitasjon/\[hidden\]/ HTTP/1.1" \d{3}', text), text
    assert re.search(r'"GET /kalender/\[hidden\].ics HTTP/1.1" \d{3}', text), text
    assert re.search(r'"GET /glemt-passord/nytt/\[hidden\]/ HTTP/1.1" \d{3}', text), text
    assert "Not Found: /kalender/[hidden].ics" in text
    for secret in (feed.token, TOKEN):
        assert secret not in text
