"""The production log: one JSON object a line, each with the request id, the acting role and a
pseudonymous user id, and never a personal value (common/logging.py, common/logcontext.py).
The worker's lines of a task carry the id of the request that enqueued it:
tests/integration/test_worker_logs.py."""

import io
import json
import logging
import sys
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from common import logcontext
from common.logcontext import log_user_id
from common.logging import JsonFormatter
from tests.conftest import login
from tests.helpers import ProjectLog
from tests.test_settings import PRODUCTION, _run

FIELDS = {"time", "level", "logger", "message", "request_id", "role", "user"}

# Personal values sent in forms and addresses; none may reach a log line.
SECRETS = {
    "first_name": "Sentinella",
    "last_name": "Personvernsen",
    "email": "sentinella.personvernsen@example.no",
    "phone": "+4791234987",
    "alias": "Hemmeliganna",
    "safety_notes": "SIKKERHETSNOTAT-7731",
    "query": "Kvinnenavnet Ollestad",
}


def _json_lines(text: str) -> list[dict]:
    lines = text.splitlines()
    assert lines, "nothing was logged: is the capture working?"
    return [json.loads(line) for line in lines]


def _application():
    return {
        "first_name": SECRETS["first_name"],
        "last_name": SECRETS["last_name"],
        "email": SECRETS["email"],
        "phone": "912 34 987",
        "municipality": "Oslo",
        "birth_year": str(timezone.localdate().year - 40),
        "languages": ["no"],
        "strengths": ["1"],
        "availability": ["2"],
        "motivation": "Jeg vil gjerne hjelpe.",
        "is_woman": "on",
        "consent": "on",
    }


def _referral():
    return {
        "alias": SECRETS["alias"],
        "age_bracket": "26-35",
        "municipality": "Oslo",
        "preferred_language": "no",
        "needs": ["1"],
        "availability": ["2"],
        "safety_notes": SECRETS["safety_notes"],
        "phone": "912 34 987",
        "consent_on": timezone.localdate().isoformat(),
        "consent_confirmed": "on",
    }


@pytest.mark.django_db
def test_json_lines_parse_carry_request_role_and_user_and_hold_no_personal_value(
    client, oslo, coordinator_oslo, shelter_worker_oslo, django_capture_on_commit_callbacks
):
    stream = io.StringIO()
    query = {"navn": SECRETS["query"], "e": SECRETS["email"]}
    with ProjectLog(stream, formatter=JsonFormatter()):
        with django_capture_on_commit_callbacks(execute=True):
            applied = client.post(reverse("become_volunteer"), _application())
        # A page that does not exist, with personal data in the query string: Django logs
        # "Not Found" with the request object as an extra field (its repr shows the query).
        missing = client.get("/finnes-ikke/", query)
        login(client, shelter_worker_oslo)
        with django_capture_on_commit_callbacks(execute=True):
            referred = client.post(reverse("referral_create"), _referral())
        client.get(referred["Location"], query)
        client.logout()
        login(client, coordinator_oslo)
        coordinator_missing = client.post("/finnes-heller-ikke/?" + "q=" + SECRETS["query"], query)
    assert applied.status_code == 302 and referred.status_code == 302
    text = stream.getvalue()
    lines = _json_lines(text)
    for line in lines:
        assert line.keys() >= FIELDS, line
        assert "request" not in line  # the request object itself is never written
    lowered = text.lower()
    for value in [*SECRETS.values(), SECRETS["query"].replace(" ", "+"), "91234987"]:
        assert value.lower() not in lowered, value
    for user in (coordinator_oslo, shelter_worker_oslo):
        assert user.email.lower() not in lowered
    # The "Not Found" lines: the request's id (as sent back in the header), role and user.
    not_found = [line for line in lines if line["logger"] == "django.request"]
    anonymous = next(line for line in not_found if "/finnes-ikke/" in line["message"])
    assert anonymous["request_id"] == missing["X-Request-ID"]
    assert (anonymous["role"], anonymous["user"], anonymous["status_code"]) == (
        "anonymous",
        "-",
        404,
    )
    coordinator = next(line for line in not_found if "/finnes-heller-ikke/" in line["message"])
    assert coordinator["request_id"] == coordinator_missing["X-Request-ID"]
    assert coordinator["role"] == "coordinator"
    assert coordinator["user"] == log_user_id(coordinator_oslo.pk)
    assert len({missing["X-Request-ID"], coordinator_missing["X-Request-ID"]}) == 2


def test_the_json_format_redacts_the_message_the_extra_fields_and_the_traceback():
    stream = io.StringIO()
    token = "Zq9-SECRET_tok3n-xYz"
    with ProjectLog(stream, formatter=JsonFormatter()):
        logger = logging.getLogger("ressursvenner.test")
        logger.warning(
            "Opened %s",
            f"/invitasjon/{token}/",
            extra={"path": f"/kalender/{token}.ics", "attempts": 2, "thing": object()},
        )
        try:
            raise ValueError(
                f"no feed /kalender/{token}.ics\nDETAIL:  Key (email)=({SECRETS['email']}) exists."
            )
        except ValueError:
            logger.exception("Failed")
    text = stream.getvalue()
    assert token not in text and SECRETS["email"] not in text
    opened, failed = _json_lines(text)
    assert opened["message"] == "Opened /invitasjon/[hidden]/"
    assert opened["path"] == "/kalender/[hidden].ics" and opened["attempts"] == 2
    assert "thing" not in opened  # not a plain value: left out
    assert "DETAIL: [hidden]" in failed["exception"]
    assert "/kalender/[hidden].ics" in failed["exception"]
    assert failed["time"].endswith("+00:00") and failed["level"] == "ERROR"


LOG_PROBE = (
    "import logging, django; django.setup(); "
    "logging.getLogger('ressursvenner.probe').warning('probe æøå /invitasjon/Zq9tok3nZq9/')"
)


def test_production_writes_json_lines_and_development_text_unless_log_format_says():
    production = _run([sys.executable, "-c", LOG_PROBE], **PRODUCTION)
    assert production.returncode == 0, production.stderr
    (line,) = [json.loads(text) for text in production.stderr.splitlines()]
    assert line["message"] == "probe æøå /invitasjon/[hidden]/"
    assert line.keys() >= FIELDS and line["logger"] == "ressursvenner.probe"
    development = _run([sys.executable, "-c", LOG_PROBE], DEBUG="true")
    assert development.stderr.startswith("20") and " WARNING ressursvenner.probe [- - -] " in (
        development.stderr
    )
    as_text = _run([sys.executable, "-c", LOG_PROBE], **PRODUCTION, LOG_FORMAT="text")
    assert "[- - -] probe æøå /invitasjon/[hidden]/" in as_text.stderr
    refused = _run([sys.executable, "-c", LOG_PROBE], **PRODUCTION, LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT must be json or text" in refused.stderr


# --- The request id ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_has_a_new_request_id_unless_a_trusted_proxy_sent_a_sane_one(
    client, settings
):
    settings.LOG_TRUST_REQUEST_ID = False
    first, second = client.get("/"), client.get("/", headers={"X-Request-ID": "a" * 32})
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert second["X-Request-ID"] != "a" * 32  # no trusted proxy: the visitor's id is ignored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("5f1c0c7e9a4b4d2e8f3a1b2c3d4e5f60", True),  # nginx's $request_id
        ("0b9e3d5e-6c1a-4c8b-9f3e-2a7d1c4b5e6f", True),  # a UUID
        ("short", False),
        ("x" * 65, False),
        ("Kari Nordmann", False),
        ("id\nforged line", False),
        ("<script>alert(1)</script>", False),
    ],
)
def test_a_trusted_proxys_request_id_is_used_only_when_it_looks_like_one(
    client, settings, sent, kept
):
    settings.LOG_TRUST_REQUEST_ID = True
    answered = client.get("/", headers={"X-Request-ID": sent})["X-Request-ID"]
    assert (answered == sent) is kept
    if not kept:
        assert len(answered) == 32 and int(answered, 16) >= 0


@pytest.mark.django_db
def test_the_request_context_ends_with_the_response(client):
    client.get("/")
    assert logcontext.current_request_id() is None
    assert logcontext.current_actor() == ("-", "-")


# --- Into the Celery tasks the request enqueues ------------------------------------------------


def _task(is_eager=False, **headers):
    return SimpleNamespace(request=SimpleNamespace(is_eager=is_eager, **headers))


def test_a_task_message_carries_the_request_id_role_and_user_and_the_worker_restores_them():
    try:
        logcontext.begin("c0ffee00c0ffee00c0ffee00c0ffee00", ("coordinator", "0123456789abcdef"))
        headers: dict = {"id": "task-id"}
        logcontext.task_headers(headers=headers, body=())
        logcontext.clear()  # the worker is another process
        logcontext.task_started(task_id="task-id", task=_task(**headers))
        assert logcontext.current_request_id() == "c0ffee00c0ffee00c0ffee00c0ffee00"
        assert logcontext.current_actor() == ("coordinator", "0123456789abcdef")
        record = logging.LogRecord("celery.app.trace", logging.INFO, "", 0, "done", (), None)
        logcontext.LogContextFilter().filter(record)
        assert (record.request_id, record.role, record.user) == (
            "c0ffee00c0ffee00c0ffee00c0ffee00",
            "coordinator",
            "0123456789abcdef",
        )
        logcontext.task_finished(task=_task(**headers))
        assert logcontext.current_request_id() is None
    finally:
        logcontext.clear()


def test_a_task_no_request_enqueued_carries_its_own_id_and_a_forged_header_is_ignored():
    headers: dict = {}
    logcontext.task_headers(headers=headers)  # beat: no request around
    assert headers == {}
    try:
        logcontext.task_started(task_id="beat-task-id", task=_task())
        assert logcontext.current_request_id() == "beat-task-id"
        assert logcontext.current_actor() == ("-", "-")
        forged = _task(x_request_id="c0ffee00c0ffee00", x_log_role="Kari", x_log_user="x@y.no")
        logcontext.task_started(task_id="t2", task=forged)
        assert logcontext.current_actor() == ("-", "-")
    finally:
        logcontext.clear()


def test_an_eager_task_keeps_the_context_of_the_request_that_ran_it():
    try:
        logcontext.begin("feedfacefeedface", ("volunteer", "fedcba9876543210"))
        logcontext.task_started(task_id="eager", task=_task(is_eager=True))
        logcontext.task_finished(task=_task(is_eager=True))
        assert logcontext.current_request_id() == "feedfacefeedface"
        assert logcontext.current_actor() == ("volunteer", "fedcba9876543210")
    finally:
        logcontext.clear()


# --- The pseudonymous id ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pseudonymous_id_is_stable_keyed_and_an_admin_can_look_it_up(
    coordinator_oslo, volunteer_oslo, settings, capsys
):
    pseudonym = log_user_id(coordinator_oslo.pk)
    assert pseudonym == log_user_id(coordinator_oslo.pk) != log_user_id(volunteer_oslo.pk)
    assert len(pseudonym) == 16 and int(pseudonym, 16) >= 0
    assert str(coordinator_oslo.public_id).replace("-", "")[:16] != pseudonym
    call_command("log_user_id", coordinator_oslo.email.upper())
    assert capsys.readouterr().out.strip() == pseudonym
    call_command("log_user_id", "--who", pseudonym)
    assert capsys.readouterr().out.strip() == coordinator_oslo.email
    with pytest.raises(CommandError, match="No login has the id"):
        call_command("log_user_id", "--who", "0000000000000000")
    with pytest.raises(CommandError, match="either"):
        call_command("log_user_id")
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert log_user_id(coordinator_oslo.pk) != pseudonym  # the key makes the id
