"""The notifications of supervision groups (registered when the app is ready; the reminder's
kind is in supervision/reminders.py, next to its rule).

Each text is the whole message: nothing about anyone travels with it (notifications.kinds).
"""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import register

# After a session she attended: a gentle invitation to the wellbeing check (issue 18). In the
# app only; the link opens the check with the occasion "after supervision".
WELLBEING_AFTER_SUPERVISION = register(
    "wellbeing_after_supervision",
    _("Thank you for coming to supervision. How are you doing?"),
)
