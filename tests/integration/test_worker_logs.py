"""A real worker writing JSON lines: the lines of a task carry the id of the request that
enqueued it (common/logcontext.py), and no personal value.

Runs in .ci/run (PostgreSQL and Redis); skipped where either is missing.
"""

import json
import time

from django.urls import reverse

from tests.integration.test_worker import pytestmark, running_worker

__all__ = ["pytestmark"]


def test_the_workers_lines_for_a_task_carry_the_request_id_that_enqueued_it(
    client, monkeypatch, tmp_path, coordinator_oslo
):
    from notifications.models import OutboxMessage, OutboxStatus

    monkeypatch.setenv("LOG_FORMAT", "json")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with running_worker(monkeypatch, f"filemail:///{mail_dir}") as process:
        response = client.post(reverse("account_reset_password"), {"email": coordinator_oslo.email})
        request_id = response["X-Request-ID"]
        message = OutboxMessage.objects.get(to=coordinator_oslo.email)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and message.status != OutboxStatus.SENT:
            time.sleep(0.5)
            message.refresh_from_db()
        assert message.status == OutboxStatus.SENT
        time.sleep(1)  # the line saying the task succeeded follows the delivery
        process.terminate()
        output = process.communicate(timeout=20)[0]
    # The worker's banner is printed, not logged; every logged line is a JSON object.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    assert all(
        {"request_id", "role", "user", "logger", "level", "time"} <= line.keys() for line in lines
    )
    task_lines = [line for line in lines if line["request_id"] == request_id]
    assert any(
        line["logger"] == "celery.app.trace" and "succeeded" in line["message"]
        for line in task_lines
    ), output
    assert all((line["role"], line["user"]) == ("anonymous", "-") for line in task_lines)
    assert coordinator_oslo.email not in output
