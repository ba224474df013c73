"""A real Celery worker sends a coordinator's message to 30 volunteers: each gets it once (one
notification, one email), though the task is handed to the worker twice.

Runs in .ci/run (PostgreSQL and Redis); skipped where either is missing.
"""

import time

from accounts.models import Role
from messaging import selectors, services
from messaging.models import Message
from messaging.notifications import FROM_COORDINATOR
from messaging.tasks import deliver_message
from notifications.models import Notification, OutboxMessage, OutboxStatus
from tests.factories import person, volunteer
from tests.integration.test_worker import _mails, pytestmark, worker  # noqa: F401 (fixture)


def test_a_message_reaches_30_volunteers_once_each(worker, oslo, coordinator_oslo):
    people = []
    for number in range(30):
        user = person(Role.VOLUNTEER, place=oslo, email=f"venn{number}@example.no")
        people.append(
            volunteer(oslo, status="approved", user=user, email=user.email, first_name="Venn")
        )
    recipients = selectors.volunteer_recipients(
        selectors.volunteers_for(coordinator_oslo, association_id=oslo.pk, statuses=["approved"])
    )
    assert len(recipients) == 30
    message = services.message_create(
        author=coordinator_oslo,
        association_id=oslo.pk,
        subject="Sommerfest",
        body="Velkommen til sommerfest på lørdag!",
        criteria={"statuses": ["approved"]},
        recipients=recipients,
    )
    deliver_message.delay(message_id=message.pk)  # a second time: it must send nothing more

    def sent() -> int:
        return OutboxMessage.objects.filter(
            template=services.EMAIL_TEMPLATE, status=OutboxStatus.SENT
        ).count()

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and sent() < 30:
        time.sleep(0.5)
    time.sleep(3)  # anything sent twice would have arrived by now
    text = "".join(_mails(worker))
    to = sorted(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("To:")
    )
    assert to == sorted(v.email for v in people)
    assert text.count("Subject: Ressursvenner: Sommerfest") == 30
    assert sent() == 30
    assert OutboxMessage.objects.filter(template=services.EMAIL_TEMPLATE).count() == 30
    told = Notification.objects.filter(kind=FROM_COORDINATOR)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(v.user_id for v in people)
    message = Message.objects.get()
    assert message.sent_at is not None
    assert not message.recipients.filter(delivered_at__isnull=True).exists()
