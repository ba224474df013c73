from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses every connection (for the retry test)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")
