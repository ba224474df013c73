"""The outbox: written with what caused it, delivered once after commit, retried with back-off,
kept when the broker is down, and never sent twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching.notifications import CONCERN, NEW_REFERRAL
from notifications import services
from notifications.models import Notification, OutboxMessage, OutboxStatus
from ressursvenner.celery import app as celery_app
from tests.conftest import login

pytestmark = pytest.mark.django_db


def in_her_role(coordinator) -> dict:
    """The role the notifications of these tests are for: her coordinator role."""
    membership = coordinator.memberships.get()
    return {"role": Role.COORDINATOR, "association_id": membership.association_id}


def test_a_notification_is_in_the_app_and_by_email_in_her_language(
    coordinator_oslo, django_capture_on_commit_callbacks
):
    coordinator_oslo.language = "en"
    coordinator_oslo.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[coordinator_oslo],
            kind=NEW_REFERRAL,
            link="/henvisninger/",
            **in_her_role(coordinator_oslo),
        )
    assert Notification.objects.get().recipient == coordinator_oslo
    message = mail.outbox[0]
    assert message.to == [coordinator_oslo.email]
    assert message.subject == "Ressursvenner: you have a new task"
    assert "A new referral is waiting for you." in message.body
    assert "http://127.0.0.1:8000/henvisninger/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_nothing_is_sent_before_the_transaction_commits(coordinator_oslo):
    services.notify(
        recipients=[coordinator_oslo],
        kind=NEW_REFERRAL,
        link="/",
        **in_her_role(coordinator_oslo),
    )
    assert not mail.outbox
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


def _fresh_connections() -> None:
    """Drop Celery's pooled broker connections, so the next publish connects anew."""
    from kombu import pools

    celery_app.pool.force_close_all()
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_when_the_broker_is_down_the_page_works_and_the_sweep_delivers_later(
    coordinator_oslo, django_capture_on_commit_callbacks, monkeypatch
):
    # A real broker address where nothing listens: publishing fails as it would with Redis down.
    celery_app.conf.task_always_eager = False
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # read before the settings
    monkeypatch.setitem(celery_app.conf, "task_publish_retry", False)
    monkeypatch.setitem(celery_app.conf, "broker_connection_timeout", 1)
    _fresh_connections()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(
                recipients=[coordinator_oslo],
                kind=CONCERN,
                link="/",
                **in_her_role(coordinator_oslo),
            )
    finally:
        celery_app.conf.task_always_eager = True
        _fresh_connections()
    assert not mail.outbox
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert services.outbox_sweep() == 1
    assert [m.to for m in mail.outbox] == [[coordinator_oslo.email]]
    assert services.outbox_sweep() == 0  # and never twice
    assert len(mail.outbox) == 1


def test_a_failed_delivery_is_retried_with_back_off_and_then_marked_failed(
    coordinator_oslo, settings
):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    message = services.email_send(
        to="x@example.no",
        template="notifications/email/task",
        context={"kind": "concern", "link": "/"},
    )
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert services.outbox_deliver(message_id=message.pk) is False
        message.refresh_from_db()
        assert message.attempts == attempt
        if attempt < services.MAX_ATTEMPTS:
            assert message.status == OutboxStatus.PENDING
            assert message.next_attempt_at > timezone.now() + timedelta(minutes=2**attempt - 1)
    assert message.status == OutboxStatus.FAILED
    assert message.last_error == "ConnectionRefusedError"


def test_a_message_claimed_by_one_worker_is_not_sent_by_another(coordinator_oslo):
    message = services.email_send(
        to="x@example.no",
        template="notifications/email/task",
        context={"kind": "concern", "link": "/"},
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING)
    assert services.outbox_deliver(message_id=message.pk) is False
    assert not mail.outbox


def test_the_bell_counts_unread_and_the_list_marks_read(client, coordinator_oslo):
    for kind, link in ((NEW_REFERRAL, "/henvisninger/"), (CONCERN, "/koblinger/")):
        services.notify(
            recipients=[coordinator_oslo],
            kind=kind,
            link=link,
            email=False,
            **in_her_role(coordinator_oslo),
        )
    login(client, coordinator_oslo)
    html = client.get("/").content.decode()
    assert '<span class="badge rounded-pill bg-danger">2' in html
    page = client.get(reverse("notification_list")).content.decode()
    assert "En ny henvisning venter på deg." in page
    first = Notification.objects.get(kind=NEW_REFERRAL)
    response = client.post(reverse("notification_open", args=[first.public_id]))
    assert response["Location"] == "/henvisninger/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_404(client, coordinator_oslo, coordinator_bergen):
    note = services.notify(
        recipients=[coordinator_oslo],
        kind=CONCERN,
        link="/",
        email=False,
        **in_her_role(coordinator_oslo),
    )[0]
    login(client, coordinator_bergen)
    assert client.post(reverse("notification_open", args=[note.public_id])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
