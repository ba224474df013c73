"""Mail backends for the delivery tests: they keep what they send in django.core.mail.outbox,
as the test backend does, and behave like an SMTP server's connection in what the tests ask."""

import smtplib
import threading

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class ConnectionBackend(EmailBackend):
    """Counts the connections opened, like the SMTP backend: open() connects once until
    close(); send_messages() on a closed backend opens and closes a connection of its own."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connected = False

    def open(self):
        if self.connected:
            return False
        self.connected = True
        type(self).opened += 1
        return True

    def close(self):
        self.connected = False

    def send_messages(self, messages):
        new = self.open()
        try:
            for message in messages:
                self.deliver(message)
            return super().send_messages(messages)
        finally:
            if new:
                self.close()

    def deliver(self, message) -> None:
        """Before a message is kept: where a test refuses or waits."""


class RefusingBackend(ConnectionBackend):
    """The server refuses the recipients in `refused` (and the connection is closed after it)."""

    refused: set[str] = set()

    def deliver(self, message) -> None:
        if set(message.to) & self.refused:
            raise smtplib.SMTPRecipientsRefused(dict.fromkeys(message.to, (550, b"no")))


class WaitingBackend(ConnectionBackend):
    """The first message waits for `go`; `sending` says that it has begun."""

    sending = threading.Event()
    go = threading.Event()

    def deliver(self, message) -> None:
        if not mail.outbox:
            type(self).sending.set()
            assert type(self).go.wait(timeout=20), "the test never let the send go on"
