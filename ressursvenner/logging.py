import logging
import re

# Secrets that travel in a URL path: invitation tokens and password-reset keys.
SECRET_PATHS = re.compile(r"(/invitasjon/|/glemt-passord/nytt/)[^/\s\"']+")


class RedactSecretsFilter(logging.Filter):
    """Keep single-use tokens out of the log, e.g. Django's "Not Found: /invitasjon/<token>/"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PATHS.sub(r"\1[hidden]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
