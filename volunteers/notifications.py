"""The notifications about applications and volunteers (registered when the app is ready).

Each text is the whole message: nothing about the person travels with it (notifications.kinds).
The reminders' kinds are in volunteers/reminders.py, next to their rules.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.kinds import register

NEW_APPLICATION = register(
    "new_application",
    _("A new application is waiting for you."),
    group_text=ngettext_lazy("%(count)s new application", "%(count)s new applications", "count"),
)
APPLICATION_REPEATED = register(
    "application_repeated",
    _("An applicant has sent her application again. It was merged with the one you have."),
)
APPLICATION_OUTSIDE_AREA = register(
    "application_outside_area",
    _("An application came from outside every association's area."),
)
APPROVED = register("approved", _("You are approved as a ressursvenn. Welcome!"))
CONFIDENTIALITY_NEW = register(
    "confidentiality_new",
    _("A new version of the confidentiality declaration is waiting to be signed."),
)
# Her wellbeing check said she would like to talk: neither her name nor her note travels.
WELLBEING_TALK = register(
    "wellbeing_talk",
    _("A volunteer would like to talk to a coordinator. Log in to see who."),
    in_app_text=_("A volunteer would like to talk to a coordinator. Get in touch with her."),
    urgent=True,
)
