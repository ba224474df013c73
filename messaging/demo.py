"""A demo message: one association's coordinator has written to its ressursvenner once.

Runs after supervision's demo (INSTALLED_APPS order). Idempotent: an association with a message
already is left alone.
"""

from accounts.models import Association, Role, User
from messaging import selectors, services
from messaging.models import Message
from volunteers.models import ACTIVE


def seed(stdout) -> None:
    for association in Association.objects.order_by("name"):
        coordinator = User.objects.filter(
            memberships__association=association,
            memberships__role=Role.COORDINATOR,
            memberships__ended_at__isnull=True,
        ).first()
        if coordinator is None:
            continue
        if Message.objects.filter(association=association).exists():
            return
        recipients = selectors.volunteer_recipients(
            selectors.volunteers_for(
                coordinator, association_id=association.pk, statuses=list(ACTIVE)
            )
        )
        if not recipients:
            continue
        message = services.message_create(
            author=coordinator,
            association_id=association.pk,
            subject="Sommeravslutning",
            # No weekday or date: the demo is seeded in any year, at any time of year.
            body=(
                "Hei alle sammen!\n\nVi inviterer til sommeravslutning i frivilligsentralen "
                "før ferien. Dato og klokkeslett kommer snart. Ta gjerne med noe å spise.\n\n"
                "Hilsen koordinatorene"
            ),
            subject_en="Party before the summer break",
            body_en=(
                "Hi everyone!\n\nYou are invited to our party at the volunteer centre before the "
                "summer break. The date and time will follow soon. Feel free to bring "
                "something to eat.\n\nBest wishes, the coordinators"
            ),
            criteria={"statuses": list(ACTIVE), "course": "", "group": "", "language": ""},
            recipients=recipients,
        )
        services.message_deliver(message_id=message.pk)
        stdout.write(f"Demo: a message to {len(recipients)} volunteers of {association.name}.")
        return
