"""Optional error reports to Sentry (SENTRY_DSN), with nothing about anybody in them.

settings.py calls `init` only when SENTRY_DSN is set; without it sentry-sdk is never imported.
The SDK is told to collect nothing personal (`send_default_pii=False`: no user, no cookies, no
client address; `include_local_variables=False`: no frame's variables; `max_request_body_size=
"never"`: no request body), and `scrub_event` removes what is left before anything leaves:

- the request: only its method and its path, without the query string (secret tokens hidden);
  no body, cookies, headers, query string or environment;
- the user: only the pseudonymous id of the log lines (common/logcontext.py); the request id and
  the role become tags, so an event can be found in the logs;
- exceptions: their type and stack (file, line, function, source), not their message, which may
  quote a value (a database error quotes the row); no frame variables;
- a log message and every breadcrumb's message go through the log redaction; breadcrumbs keep
  no data (an SQL breadcrumb's parameters, an HTTP breadcrumb's URL);
- extra data: only a Celery task's name.

The plaintext of the encrypted fields (safety notes, meeting notes, concerns, two-step secrets)
lives only in a request's body and in the variables of the code that handles it: with bodies and
local variables never collected, and the scrubber dropping request data, exception messages and
breadcrumb data, it cannot reach Sentry.
"""

from typing import Any, cast

from common.logcontext import NOBODY, current_actor, current_request_id
from common.logging import HIDDEN, redact_log

Event = dict[str, Any]


def init(dsn: str, *, release: str | None, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=release,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        # sentry-sdk types an event as a TypedDict; the scrubbers take it as the dict it is.
        before_send=cast(Any, scrub_event),
        before_send_transaction=cast(Any, scrub_event),
        before_breadcrumb=cast(Any, scrub_breadcrumb),
    )


def scrub_breadcrumb(crumb: Event, hint: Any = None) -> Event:
    """A breadcrumb keeps its kind, level, time and redacted message; never its data."""
    kept = {key: crumb[key] for key in ("type", "category", "level", "timestamp") if key in crumb}
    if isinstance(crumb.get("message"), str):
        kept["message"] = redact_log(crumb["message"])
    return kept


def _path_only(url: str) -> str:
    return redact_log(url.split("?", 1)[0].split("#", 1)[0])


def _without_variables(value: Event) -> Event:
    """`value` (an exception or a thread) with no frame's local variables."""
    stacktrace = value.get("stacktrace")
    if not isinstance(stacktrace, dict):
        return value
    frames = [
        {key: item for key, item in frame.items() if key != "vars"}
        for frame in stacktrace.get("frames") or []
    ]
    return {**value, "stacktrace": {**stacktrace, "frames": frames}}


def _scrub_exception(value: Event) -> Event:
    kept = {
        key: value[key] for key in ("type", "module", "mechanism", "stacktrace") if key in value
    }
    if value.get("value"):
        kept["value"] = HIDDEN
    return _without_variables(kept)


def scrub_event(event: Event, hint: Any = None) -> Event:
    """The event as Sentry may see it (see the module's doc). A pure function of the event
    and the current log context."""
    scrubbed = {
        key: value
        for key, value in event.items()
        if key not in {"request", "user", "extra", "breadcrumbs", "exception", "logentry"}
    }
    request = event.get("request")
    if isinstance(request, dict):
        scrubbed["request"] = {
            key: value for key, value in request.items() if key == "method" and value
        }
        if isinstance(request.get("url"), str):
            scrubbed["request"]["url"] = _path_only(request["url"])
    role, user = current_actor()
    if user != NOBODY:
        scrubbed["user"] = {"id": user}
    tags = dict(event.get("tags") or {})
    tags["role"] = role
    if current_request_id():
        tags["request_id"] = current_request_id()
    scrubbed["tags"] = tags
    task_name = ((event.get("extra") or {}).get("celery-job") or {}).get("task_name")
    if task_name:
        scrubbed["extra"] = {"celery-job": {"task_name": task_name}}
    exception = event.get("exception")
    if isinstance(exception, dict):
        scrubbed["exception"] = {
            **exception,
            "values": [_scrub_exception(v) for v in exception.get("values") or []],
        }
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        scrubbed["logentry"] = {
            key: redact_log(value) if isinstance(value, str) else value
            for key, value in logentry.items()
            if key != "params"
        }
    threads = event.get("threads")
    if isinstance(threads, dict):
        scrubbed["threads"] = {
            **threads,
            "values": [_without_variables(t) for t in threads.get("values") or []],
        }
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        scrubbed["breadcrumbs"] = {
            **breadcrumbs,
            "values": [scrub_breadcrumb(c) for c in breadcrumbs.get("values") or []],
        }
    return scrubbed
