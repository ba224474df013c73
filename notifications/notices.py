"""The notifications that notifications tells itself (registered when the app is ready)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.kinds import register

# To the national admins: an association's coordinators are all away (or it has none), so the
# alerts and reminders for its coordinators reach nobody. The list names the association.
NOBODY_PRESENT = register(
    "nobody_present",
    _("An association has no coordinator present: its alerts reach nobody. Log in to see which."),
    in_app_text=_("This association has no coordinator present: its alerts reach nobody."),
    urgent=True,
    group_text=ngettext_lazy(
        "%(count)s association has no coordinator present",
        "%(count)s associations have no coordinator present",
        "count",
    ),
)
