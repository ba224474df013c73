"""Sending the emails of logging in: invitations and password resets.

accounts knows no higher app, so the project names the queue in ACCOUNTS_EMAIL_QUEUE (the
notifications outbox, which sends in the background: a reset for a known and an unknown address
then take the same time). Without it, mail goes out at once.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from accounts.models import is_erased_email


def deliver(*, to: str, subject: str, body: str, html: str = "", recipient=None) -> None:
    if is_erased_email(to):  # an erased person's row: nobody reads this address
        return
    queue = getattr(settings, "ACCOUNTS_EMAIL_QUEUE", "")
    if queue:
        import_string(queue)(to=to, subject=subject, body=body, html=html, recipient=recipient)
        return
    message = EmailMultiAlternatives(subject, body, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
