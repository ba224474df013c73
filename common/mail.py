"""The console email backend used when EMAIL_URL is `consolemail://` (development, the demo).

Django's own writes each message to standard output, which in `make run` is the worker's log:
a password reset printed there with its live key let anyone who read the log set the password.
This one prints the same message with the secrets of its links hidden (common.logging).
Real delivery (SMTP) and the tests' in-memory outbox are not affected.
"""

import copy

from django.core.mail.backends.console import EmailBackend

from common.logging import redact


def _redacted(message):
    message = copy.copy(message)
    message.body = redact(message.body)
    if getattr(message, "alternatives", None):
        message.alternatives = [
            alternative._replace(content=redact(alternative.content))
            if isinstance(alternative.content, str)
            else alternative
            for alternative in message.alternatives
        ]
    message.attachments = [
        attachment._replace(content=redact(attachment.content))
        if isinstance(getattr(attachment, "content", None), str)
        else attachment
        for attachment in message.attachments
    ]
    return message


class ConsoleEmailBackend(EmailBackend):
    """Django's console backend; the reset, invitation and calendar links print as `[hidden]`."""

    def write_message(self, message):
        msg = _redacted(message).message()
        charset = msg.get_charset().get_output_charset() if msg.get_charset() else "utf-8"
        # The parts are redacted before they are encoded (a quoted-printable line break could
        # split a key); the headers and anything else once more after.
        self.stream.write(f"{redact(msg.as_bytes().decode(charset))}\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")
