"""/helse/ tells the truth: 503 when the database or the broker is unreachable or no worker beat
for five minutes; the load balancer and the monitor read only the status code.

Every failure here is real: a refused TCP connection, a folder that cannot be made, a heartbeat
row six minutes old. Nothing mocks a check."""

import time
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse
from django.utils import timezone

from notifications.models import WorkerHeartbeat
from notifications.services import heartbeat_record

pytestmark = pytest.mark.django_db

URL = reverse("health")
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def test_all_well_is_200_and_names_each_check_and_nothing_more(client):
    heartbeat_record(name="default")
    response = client.get(URL)
    assert response.status_code == 200
    # Nothing beyond "ok"/"unavailable" per check: no address, version, age or error text.
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_no_heartbeat_ever_is_503(client):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "ok",
        "worker": "unavailable",
    }


def test_a_heartbeat_older_than_five_minutes_is_503_and_a_fresh_one_is_200(client):
    WorkerHeartbeat.objects.create(name="default", beat_at=timezone.now() - timedelta(minutes=6))
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["worker"] == "unavailable"

    WorkerHeartbeat.objects.filter(name="default").update(
        beat_at=timezone.now() - timedelta(minutes=4)
    )
    assert client.get(URL).status_code == 200


def test_an_unreachable_broker_is_503_within_the_timeout(client, settings):
    heartbeat_record(name="default")
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    started = time.monotonic()
    response = client.get(URL)
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unavailable",
        "worker": "ok",
    }
    assert "127.0.0.1" not in response.content.decode()


def _filesystem_options(root):
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"),
    }


def test_the_filesystem_broker_is_reachable_when_its_folders_can_be_made(
    client, settings, tmp_path
):
    heartbeat_record(name="default")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = _filesystem_options(tmp_path / "celery")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
    assert (tmp_path / "celery" / "queue").is_dir()


def test_the_filesystem_broker_is_unavailable_when_its_folders_cannot_be_made(
    client, settings, tmp_path
):
    heartbeat_record(name="default")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = _filesystem_options(blocker)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_an_unreachable_database_is_503(client):
    if connection.vendor != "postgresql":
        pytest.skip("a refused TCP connection needs a database server (PostgreSQL)")
    heartbeat_record(name="default")
    # For the one request, the default database is a fresh connection to a port where nothing
    # listens (refused); the test's own connection, with its transaction, waits aside.
    unreachable = connections.create_connection(DEFAULT_DB_ALIAS)
    unreachable.settings_dict = {**unreachable.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    real = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = unreachable
    try:
        response = client.get(URL)
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        unreachable.close()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "broker": "ok",
        "worker": "unavailable",
    }
    # Back on the real server, the same endpoint is healthy again.
    assert client.get(URL).status_code == 200


# --- /helse/web/: the load balancer's check, this web process and its database only ----------

WEB_URL = reverse("health_web")


def test_the_web_check_stays_200_while_the_worker_and_the_broker_are_down(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER  # and no heartbeat ever
    assert client.get(URL).status_code == 503  # the monitor sees it
    response = client.get(WEB_URL)  # the load balancer keeps the web host
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_web_check_is_503_when_the_database_does_not_answer(client):
    if connection.vendor != "postgresql":
        pytest.skip("a refused TCP connection needs a database server (PostgreSQL)")
    unreachable = connections.create_connection(DEFAULT_DB_ALIAS)
    unreachable.settings_dict = {**unreachable.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    real = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = unreachable
    try:
        response = client.get(WEB_URL)
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        unreachable.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
