"""The notifications about course sessions (registered when the app is ready).

Each text is the whole message: never the course's title or the place (notifications.kinds).
The reminder's kind is in courses/reminders.py, next to its rule.
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import register

SESSION_CANCELLED = register(
    "session_cancelled", _("A course session you were signed up for is cancelled.")
)
SESSION_SEAT = register("session_seat", _("You have got a seat on a course session."))
SESSION_CHANGED = register(
    "session_changed", _("A course session you are signed up for has a new time or place.")
)
SESSION_ENROLLED = register("session_enrolled", _("You have been signed up for a course session."))
GATHERING_INVITED = register(
    "gathering_invited", _("You are invited to a gathering for ressursvenner.")
)
GATHERING_SIGNED_UP = register(
    "gathering_signed_up", _("You have been signed up for a gathering for ressursvenner.")
)
GATHERING_WAITING = register(
    "gathering_waiting",
    _("You have been put on the waiting list for a gathering for ressursvenner."),
)
GATHERING_SEAT = register(
    "gathering_seat", _("You have got a seat at a gathering for ressursvenner.")
)
GATHERING_CHANGED = register(
    "gathering_changed",
    _("A gathering for ressursvenner you are signed up for has a new time or place."),
)
GATHERING_CANCELLED = register(
    "gathering_cancelled",
    _("A gathering for ressursvenner you were signed up for is cancelled."),
)
