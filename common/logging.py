"""Keep the secrets that travel in URLs out of every log line and out of the console mail.

A password-reset key, an invitation token and a calendar-feed token each open something on
their own, without a login: whoever reads them in a log (a worker's output, a request line, a
"Not Found" warning, a traceback) could use them. `redact` replaces them with `[hidden]`;
`RedactSecretsFilter` runs it on every record that reaches the project's handlers (LOGGING in
settings.py puts it on each of them, and every logger goes through them).

When a URL of this kind is added (tests/security/test_log_redaction.py lists them), add it here.

The filter also hides the DETAIL line of a database error (PostgreSQL quotes the row or the
key there: "Key (email)=(...) already exists", "Failing row contains (...)"), and redacts the
text of a record's extra fields, which the JSON format writes out (`JsonFormatter`).
"""

import logging
import re
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

HIDDEN = "[hidden]"

# The path before the secret, then the secret up to the next separator. The reset key may
# contain any character but "/" (accounts/urls.py: `(?P<uidb36>...)-(?P<key>.+)/`); a feed
# token is URL-safe base64 followed by ".ics" (other pages under /kalender/ carry no secret).
SECRET_PATHS = re.compile(
    r"(?P<path>/invitasjon/|/glemt-passord/nytt/)[^/\s\"'<>?#]+"
    r"|(?P<feed>/kalender/)[^/\s\"'<>?#.]+(?=\.ics)"
)


def redact(text: str) -> str:
    """`text` with the secret of every secret-bearing path replaced by `[hidden]`."""
    return SECRET_PATHS.sub(lambda m: (m["path"] or m["feed"]) + HIDDEN, text)


# PostgreSQL's detail of a failed constraint quotes the values ("Key (email)=(...)").
DATABASE_DETAIL = re.compile(r"^DETAIL:[^\n]*", re.MULTILINE)


def redact_log(text: str) -> str:
    """`redact`, and a database error's DETAIL line hidden: for log lines and error reports."""
    return redact(DATABASE_DETAIL.sub("DETAIL: " + HIDDEN, text))


# The attributes every LogRecord has; the others are a record's extra fields.
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "role",
    "user",
}


class RedactSecretsFilter(logging.Filter):
    """Redact the message, the traceback and the stack of every record; never drops one.
    A missing template variable is logged without its exception (see below).

    Django's "Not Found: /invitasjon/<token>/", runserver's request lines and a worker's
    traceback all pass here: the filter sits on the handlers, not on some loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.template" and record.exc_info:
            # "Exception while resolving variable ..." (DEBUG): the exception's text is the
            # whole template context, with names, notes, keys and the CSRF token. The message
            # says which variable in which template; that is enough.
            record.exc_info, record.exc_text = None, None
        message = record.getMessage()
        redacted = redact_log(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format it once, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_log(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, redact_log(value))
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line (python-json-logger): `time` (UTC, ISO 8601), `level`, `logger`,
    `message`, `request_id`, `role`, `user` (common/logcontext.py), then the record's extra
    fields, then `exception` (the traceback) or `stack`.

    An extra field is written only when it is a plain value (text, number, true/false): Django
    passes the request object itself (`extra={"request": request}`), whose text would show
    the query string, and runserver passes its socket. The traceback is the one the redaction
    filter prepared (`exc_text`), never formatted afresh, and every text value goes through the
    redaction once more, so the JSON holds nothing the text format would hide. Non-ASCII letters
    are written as they are (Norwegian messages stay readable, and a search for a word finds it).
    """

    FIELDS = ("levelname", "name", "message", "request_id", "role", "user")
    RENAMED = {
        "levelname": "level",
        "name": "logger",
        "exc_info": "exception",
        "stack_info": "stack",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            list(self.FIELDS), rename_fields=self.RENAMED, json_ensure_ascii=False, **kwargs
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)
        if record.exc_text:
            log_data["exception"] = record.exc_text

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        plain = (str, int, float, bool, type(None))
        return {
            key: redact_log(value) if isinstance(value, str) else value
            for key, value in log_data.items()
            if isinstance(value, plain)
        }
