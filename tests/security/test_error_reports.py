"""Unhandled errors reach ADMINS by email, and Sentry when SENTRY_DSN is set, with no request
data and no personal data (common/errors.py, common/sentry.py)."""

import logging
import sys

import pytest
from django.core import mail
from django.views.debug import ExceptionReporter

from common import errors
from common.logcontext import log_user_id
from common.sentry import scrub_breadcrumb, scrub_event
from ressursvenner.refusal import RefusedStart
from ressursvenner.settings import _admins
from tests.conftest import login
from tests.test_settings import _run

NOTE = "Sikkerhetsnotat-Kari-4471"
QUERY = "Ollestad-Sentinel"
ADMIN = "drift@nks.example"


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Drift", ADMIN)]
    settings.ROOT_URLCONF = "tests.urls_failing"
    errors._sent.clear()
    yield
    errors._sent.clear()


def _fail(client):
    client.raise_request_exception = False
    return client.post(f"/boom/quoting/?q={QUERY}", {"note": NOTE})


def _whole(message) -> str:
    return f"{message.subject}\n{message.body}\n{message.alternatives}\n{message.attachments}"


@pytest.mark.django_db
def test_an_unhandled_error_mails_admins_once_with_nothing_personal(
    admins, client, coordinator_oslo, settings
):
    login(client, coordinator_oslo)
    response = _fail(client)
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ADMIN]
    text = _whole(message)
    cookies = [morsel.value for morsel in client.cookies.values()]
    assert client.cookies[settings.SESSION_COOKIE_NAME].value in cookies
    for secret in (NOTE, QUERY, coordinator_oslo.email, *cookies):
        assert secret.lower() not in text.lower(), secret
    assert "q=" not in text and "note" not in text.lower()
    request_id = response["X-Request-ID"]
    assert request_id in message.subject and f"Request id: {request_id}" in message.body
    assert message.subject.startswith("[Ressursvenner] ERROR: ValueError at /boom/quoting/")
    for fact in (
        "Method: POST",
        "Path: /boom/quoting/",
        "View: tests.urls_failing.boom_quoting (boom_quoting)",
        "Role: coordinator",
        f"User (pseudonymous): {log_user_id(coordinator_oslo.pk)}",
        "Exception: ValueError",
        "LookupError, traceback (most recent call last):",
        "The above led to:",
        "tests/urls_failing.py:",
        "in boom_quoting",
    ):
        assert fact in message.body, fact


@pytest.mark.django_db
def test_the_same_error_again_is_counted_not_mailed_until_the_interval_has_passed(
    admins, client, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(errors.time, "monotonic", lambda: now[0])
    _fail(client)
    _fail(client)
    assert len(mail.outbox) == 1
    now[0] += errors.ERROR_EMAIL_INTERVAL + 1
    _fail(client)
    assert len(mail.outbox) == 2
    assert "happened 1 more time(s) since the last mail" in mail.outbox[1].body


@pytest.mark.django_db
def test_no_mail_for_a_bad_host_a_log_line_without_exception_or_no_admins(admins, client, settings):
    assert client.get("/", HTTP_HOST="angriper.example").status_code == 400  # django.security
    logging.getLogger("ressursvenner.test").error("Something odd, no exception")
    assert mail.outbox == []
    settings.ADMINS = []
    _fail(client)
    assert mail.outbox == []


def test_a_failed_task_is_mailed_with_its_name_and_not_its_message_or_arguments(admins):
    context = {"id": "t-1", "name": "notifications.deliver_email", "exc": f"KeyError({NOTE!r})"}
    context |= {"args": (), "kwargs": {"message_id": 42}, "description": "raised unexpected"}
    try:
        raise KeyError(NOTE)
    except KeyError:
        logging.getLogger("celery.app.trace").error(
            "Task %(name)s[%(id)s] %(description)s: %(exc)s",
            context,
            exc_info=True,
            extra={"data": context},
        )
    (message,) = mail.outbox
    assert "Task: notifications.deliver_email" in message.body
    assert "Exception: KeyError" in message.body
    assert NOTE not in _whole(message) and "42" not in message.body


def test_djangos_exception_report_shows_no_post_data_cookies_headers_or_variables(rf, settings):
    settings.DEBUG = False
    request = rf.post("/boom/", {"note": NOTE}, HTTP_COOKIE=f"sessionid={QUERY}")
    request.META["HTTP_X_SECRET_HEADER"] = NOTE + "-header"

    def failing(note):
        local_copy = note + "-local"  # noqa: F841 (a local variable in the frame)
        raise RuntimeError("failed")

    try:
        failing(NOTE + "-argument")
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info())
        text = report.get_traceback_text() + report.get_traceback_html()
    assert NOTE not in text and QUERY not in text
    assert "RuntimeError" in text


def test_admins_are_read_as_name_and_address():
    assert _admins("") == []
    assert _admins(
        'Ingrid Hansen <ingrid@nks.example>, "Drift, NKS" <drift@nks.example>, a@b.no'
    ) == [
        ("Ingrid Hansen", "ingrid@nks.example"),
        ("Drift, NKS", "drift@nks.example"),
        ("a@b.no", "a@b.no"),
    ]
    with pytest.raises(RefusedStart, match="ADMINS"):
        _admins("Ingrid Hansen")


# --- Sentry ------------------------------------------------------------------------------------


def _event() -> dict:
    """An event as sentry-sdk's Django integration makes it for a failed POST."""
    frame = {
        "filename": "matching/views/referrals.py",
        "function": "referral_create",
        "lineno": 88,
        "context_line": "    referral = services.referral_create(**form.cleaned_data)",
        "vars": {"form": f"<ReferralForm safety_notes={NOTE}>", "request": "<WSGIRequest>"},
    }
    return {
        "level": "error",
        "platform": "python",
        "release": "ressursvenner@0.1.0",
        "transaction": "/henvisninger/ny/",
        "server_name": "web-1",
        "tags": {"environment": "production"},
        "request": {
            "method": "POST",
            "url": f"https://ressursvenner.example.org/henvisninger/ny/?sok={QUERY}#top",
            "query_string": f"sok={QUERY}",
            "data": {"alias": "Amal", "safety_notes": NOTE},
            "cookies": {"__Host-sessionid": "s3ss10n"},
            "headers": {"Cookie": "__Host-sessionid=s3ss10n", "Referer": f"/?q={QUERY}"},
            "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "web-1"},
        },
        "user": {"id": "17", "email": "hanne@nks.example", "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "module": "django.db.utils",
                    "value": f"duplicate key\nDETAIL:  Key (alias)=({NOTE}) already exists.",
                    "mechanism": {"type": "django", "handled": False},
                    "stacktrace": {"frames": [frame]},
                }
            ]
        },
        "threads": {"values": [{"id": 1, "stacktrace": {"frames": [frame]}}]},
        "logentry": {
            "message": "Internal Server Error: %s",
            "params": ["/invitasjon/Zq9-SECRET-token/"],
            "formatted": "Internal Server Error: /invitasjon/Zq9-SECRET-token/",
        },
        "extra": {
            "celery-job": {"task_name": "notifications.deliver_email", "args": [NOTE]},
            "sys.argv": ["gunicorn"],
        },
        "breadcrumbs": {
            "values": [
                {
                    "type": "default",
                    "category": "query",
                    "message": "SELECT ... WHERE email = %s",
                    "data": {"db.params": ["hanne@nks.example"]},
                },
                {
                    "type": "http",
                    "category": "httplib",
                    "data": {"url": f"https://api.example/?q={QUERY}"},
                },
                {"category": "django.request", "message": "Opened /kalender/Zq9-SECRET-token.ics"},
            ]
        },
    }


def test_the_sentry_scrubber_leaves_nothing_personal():
    from common import logcontext

    try:
        logcontext.begin("5f1c0c7e9a4b4d2e8f3a1b2c3d4e5f60", ("coordinator", "0123456789abcdef"))
        event = scrub_event(_event())
    finally:
        logcontext.clear()
    text = repr(event)
    for secret in (
        NOTE,
        QUERY,
        "Amal",
        "s3ss10n",
        "hanne@nks.example",
        "203.0.113.9",
        "Zq9-SECRET",
    ):
        assert secret not in text, secret
    assert "'17'" not in text and "vars" not in text
    assert event["request"] == {
        "method": "POST",
        "url": "https://ressursvenner.example.org/henvisninger/ny/",
    }
    assert event["user"] == {"id": "0123456789abcdef"}
    assert event["tags"] == {
        "environment": "production",
        "role": "coordinator",
        "request_id": "5f1c0c7e9a4b4d2e8f3a1b2c3d4e5f60",
    }
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "IntegrityError" and exception["value"] == "[hidden]"
    assert exception["stacktrace"]["frames"][0]["function"] == "referral_create"
    assert event["extra"] == {"celery-job": {"task_name": "notifications.deliver_email"}}
    assert event["logentry"]["formatted"] == "Internal Server Error: /invitasjon/[hidden]/"
    assert [crumb.get("data") for crumb in event["breadcrumbs"]["values"]] == [None] * 3
    assert event["release"] == "ressursvenner@0.1.0" and event["transaction"] == "/henvisninger/ny/"


def test_a_breadcrumb_keeps_its_kind_and_redacted_message_only():
    crumb = {"category": "x", "level": "info", "message": "/invitasjon/abc/", "data": {"k": NOTE}}
    assert scrub_breadcrumb(crumb) == {
        "category": "x",
        "level": "info",
        "message": "/invitasjon/[hidden]/",
    }


PROBE = (
    "import sys, django; django.setup(); loaded = 'sentry_sdk' in sys.modules; "
    "import sentry_sdk; client = sentry_sdk.get_client(); o = client.options; "
    "print(loaded, client.is_active(), o.get('send_default_pii'), "
    "o.get('include_local_variables'), o.get('max_request_body_size'), "
    "o.get('before_send').__name__ if o.get('before_send') else None)"
)


def test_without_sentry_dsn_sentry_is_not_even_imported():
    result = _run(
        [sys.executable, "-c", PROBE],
        DEBUG="true",
        SENTRY_DSN=None,
        DJANGO_SETTINGS_MODULE="ressursvenner.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "None", "True", "medium", "None"]


def test_with_sentry_dsn_sentry_starts_with_nothing_personal_collected():
    result = _run(
        [sys.executable, "-c", PROBE],
        DEBUG="true",
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        DJANGO_SETTINGS_MODULE="ressursvenner.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False", "False", "never", "scrub_event"]
