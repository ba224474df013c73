"""The reminder rule of supervision groups (run by notifications.reminders.sweep): a volunteer
with an open match who is due for supervision (selectors._due) is reminded once, neutrally, on
her own. Once per due period: the period is the day of her last session (or "never"), so she is
reminded again only after she attended and fell due once more."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from notifications.kinds import register
from notifications.reminders import Due, Rule
from supervision import selectors

SUPERVISION_DUE = register(
    "supervision_due",
    _(
        "It is a while since your last supervision. Ask your group leader when the group meets next."
    ),
)


def supervision_due(today: date) -> list[Due]:
    rows = (
        selectors.due_everywhere(timezone.now())
        .filter(user__isnull=False)
        .values_list("pk", "user_id", "association_id", "last_supervision")
    )
    link = reverse("my_page")
    return [
        Due(
            pk,
            user_id,
            timezone.localdate(last).isoformat() if last else "never",
            link,
            Role.VOLUNTEER,
            association_id,
        )
        for pk, user_id, association_id, last in rows
    ]


RULES = [Rule("supervision.supervision_due", SUPERVISION_DUE, supervision_due, digestible=False)]
