"""Unhandled errors reach someone, and carry nothing about anybody.

`AdminErrorEmailHandler` (in settings.LOGGING, on the root logger at ERROR) mails every record
that carries an exception (an unhandled error in a request, a failed Celery task,
`logger.exception`) to ADMINS. Django's own AdminEmailHandler is not used: its mail holds the
exception's message, the request's repr with the query string, and with include_html the POST
data, cookies, request headers, settings and every frame's local variables, so the safety note
being saved when it failed. This one sends only:

- the request id (the same as in the log lines, so the log tells the rest), the method, the
  path without its query string (secret tokens hidden), the view, the acting role and the
  pseudonymous user id; for a task, its name;
- the exception's type (and those of its causes) and the traceback as file:line in function,
  without the exception's message, which may quote a value (a database error quotes the row),
  and without any variable.

It goes straight through Django's mail framework (the configured EMAIL_BACKEND, SMTP in
production), not through the notifications outbox: it must arrive when the database is what
failed. The same error from the same place is mailed once per ERROR_EMAIL_INTERVAL seconds per
process; the next mail says how many were left out. Records from django.security (a bad Host
header, a suspicious request: the visitor's doing, not ours) are not mailed.

`NothingPersonalReporterFilter` (DEFAULT_EXCEPTION_REPORTER_FILTER) is the second line: should
any code render Django's exception report outside DEBUG (a re-added AdminEmailHandler, a
library), it shows no POST data, no cookies, no request header beyond a few harmless ones and
no local variables at all.
"""

import logging
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

from django.conf import settings
from django.core.mail import mail_admins
from django.views.debug import SafeExceptionReporterFilter

from common.logcontext import NOBODY
from common.logging import HIDDEN, redact

ERROR_EMAIL_INTERVAL = 600  # seconds
_sent: dict[tuple[str, str], tuple[float, int]] = {}  # where -> (last mailed, left out since)
_sent_lock = threading.Lock()


def _frames(tb: TracebackType | None) -> list[str]:
    """The traceback as "file:line in function" lines, paths relative to the project."""
    base = str(Path(settings.BASE_DIR)) + "/"
    return [
        f"  {frame.filename.removeprefix(base)}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(tb)
    ]


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it happened during or because of, the first cause first."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.insert(0, link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return chain


def _view_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "-"
    func = getattr(match.func, "view_class", match.func)
    return f"{func.__module__}.{func.__qualname__} ({match.view_name})"


def error_report(record: logging.LogRecord) -> tuple[str, str]:
    """(subject, body) of the mail for a record with an exception: see the module's doc."""
    assert record.exc_info and record.exc_info[1] is not None
    exc = record.exc_info[1]
    request = getattr(record, "request", None)
    request_id = getattr(record, "request_id", NOBODY)
    facts = [("Request id", request_id)]
    if request is not None and hasattr(request, "path") and hasattr(request, "method"):
        facts += [
            ("Method", str(request.method)),
            ("Path", redact(str(request.path))),
            ("View", _view_of(request)),
        ]
    data = getattr(record, "data", None)
    if isinstance(data, dict) and data.get("name"):  # Celery's "Task ... raised"
        facts.append(("Task", str(data["name"])))
    facts += [
        ("Role", getattr(record, "role", NOBODY)),
        ("User (pseudonymous)", getattr(record, "user", NOBODY)),
        ("Logger", record.name),
        ("Exception", _type_name(exc)),
    ]
    lines = [
        "An unhandled error. The log lines with the same request id tell what happened before.",
        "The exception's message and all values are left out: they may hold personal data.",
        "",
        *(f"{label}: {value}" for label, value in facts),
        "",
    ]
    for position, link in enumerate(_chain(exc)):
        if position:
            lines += ["", "The above led to:"]
        lines += [
            f"{_type_name(link)}, traceback (most recent call last):",
            *_frames(link.__traceback__),
        ]
    where = request.path if request is not None and hasattr(request, "path") else record.name
    subject = f"{record.levelname}: {_type_name(exc)} at {redact(str(where))} ({request_id})"
    return subject.replace("\n", " ")[:200], "\n".join(lines) + "\n"


def _throttled(record: logging.LogRecord) -> int | None:
    """None when the same error from the same place was mailed less than ERROR_EMAIL_INTERVAL
    ago (it is counted); else how many were left out since the last mail."""
    exc = record.exc_info[1] if record.exc_info else None
    frames = traceback.extract_tb(exc.__traceback__) if exc is not None else []
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else record.name
    key = (type(exc).__qualname__, where)
    now = time.monotonic()
    with _sent_lock:
        last, left_out = _sent.get(key, (None, 0))
        if last is not None and now - last < ERROR_EMAIL_INTERVAL:
            _sent[key] = (last, left_out + 1)
            return None
        _sent[key] = (now, 0)
        return left_out


class AdminErrorEmailHandler(logging.Handler):
    """Mails a record with an exception to ADMINS, with no personal data (see above)."""

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)

    def emit(self, record: logging.LogRecord) -> None:
        if not settings.ADMINS or not record.exc_info or record.exc_info[1] is None:
            return
        if record.name.startswith("django.security"):
            return
        try:
            left_out = _throttled(record)
            if left_out is None:
                return
            subject, body = error_report(record)
            if left_out:
                body += f"\nThe same error happened {left_out} more time(s) since the last mail.\n"
            mail_admins(subject, body, fail_silently=True)
        except Exception:
            self.handleError(record)


class NothingPersonalReporterFilter(SafeExceptionReporterFilter):
    """Django's exception report without the request's data and without local variables, when
    DEBUG is off (in DEBUG the developer's own error page shows everything, as Django does)."""

    SAFE_META = frozenset({"REQUEST_METHOD", "PATH_INFO", "SERVER_NAME", "SERVER_PORT"})

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, HIDDEN)

    def get_safe_request_meta(self, request):
        if not self.is_active(request):
            return super().get_safe_request_meta(request)
        return {
            name: value if name in self.SAFE_META else HIDDEN
            for name, value in getattr(request, "META", {}).items()
        }

    def get_safe_cookies(self, request):
        if not self.is_active(request):
            return super().get_safe_cookies(request)
        return dict.fromkeys(getattr(request, "COOKIES", {}), HIDDEN)

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return []

    def get_safe_settings(self):
        if not self.is_active(None):
            return super().get_safe_settings()
        return {}
