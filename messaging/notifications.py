"""The notifications of a message (registered when the app is ready). The text says only that
there is a message: what it says is read on her page of messages (and in the email)."""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import register

FROM_COORDINATOR = register(
    "message_from_coordinator", _("You have a new message from your coordinator.")
)
FROM_NATIONAL = register(
    "message_from_national", _("You have a new message from the national administration.")
)
