"""Keep the secrets that travel in URLs out of every log line and out of the console mail.

A password-reset key, an invitation token and a calendar-feed token each open something on
their own, without a login: whoever reads them in a log (a worker's output, a request line, a
"Not Found" warning, a traceback) could use them. `redact` replaces them with `[hidden]`;
`RedactSecretsFilter` runs it on every record that reaches the project's handlers (LOGGING in
settings.py puts it on each of them, and every logger goes through them).

When a URL of this kind is added (tests/security/test_log_redaction.py lists them), add it here.
"""

import logging
import re

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
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format it once, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
