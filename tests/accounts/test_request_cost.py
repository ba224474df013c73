"""What a logged-in request costs before its view runs (issue 15): her access comes from a
cache keyed by User.access_version, which the database raises on every change, and the session
is written at most once a minute. Neither may cost safety: a change takes effect on the very
next request, however it was made."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.access import LAST_ACTIVITY_SESSION_KEY, activity_stamp_interval
from accounts.models import Membership, Role, User
from tests.conftest import login
from tests.factories import MembershipFactory

WRITES = ("INSERT", "UPDATE", "DELETE")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured]


def test_an_ordinary_page_view_reads_the_session_and_the_user_and_writes_nothing(
    client, coordinator_oslo
):
    login(client, coordinator_oslo)
    client.get(reverse("privacy"))  # the first request of the process fills the cache
    queries = _queries(client, reverse("privacy"))
    assert not [q for q in queries if q.lstrip().upper().startswith(WRITES)], queries
    assert "django_session" in queries[0] and "accounts_user" in queries[1]
    # The rest is the page's own: here the bell's unread count in the header.
    assert len(queries) == 3, queries


def test_the_activity_stamp_is_rewritten_at_most_once_a_minute(client, coordinator_oslo):
    login(client, coordinator_oslo)
    stamp = client.session[LAST_ACTIVITY_SESSION_KEY]
    client.get(reverse("privacy"))
    assert client.session[LAST_ACTIVITY_SESSION_KEY] == stamp
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - activity_stamp_interval()
    session.save()
    client.get(reverse("privacy"))
    assert time.time() - client.session[LAST_ACTIVITY_SESSION_KEY] < 5


def test_stay_logged_in_always_writes_the_stamp(client, coordinator_oslo):
    login(client, coordinator_oslo)
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - 10
    session.save()
    client.post(reverse("session_keepalive"))
    assert time.time() - client.session[LAST_ACTIVITY_SESSION_KEY] < 2


def test_the_page_tells_the_idle_warning_how_old_the_stamp_may_be(client, coordinator_oslo):
    login(client, coordinator_oslo)
    page = client.get(reverse("privacy")).content.decode()
    assert f'data-idle-stamp-interval="{activity_stamp_interval()}"' in page


def _acting_as_coordinator(client, user):
    login(client, user)
    assert client.get(reverse("invitation_list")).status_code == 200


def test_a_role_ended_by_raw_sql_stops_working_on_the_next_request(client, coordinator_oslo):
    _acting_as_coordinator(client, coordinator_oslo)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_membership SET ended_at = %s WHERE user_id = %s",
            [timezone.now(), coordinator_oslo.pk],
        )
    assert client.get(reverse("invitation_list")).status_code == 403


def test_a_role_deleted_stops_working_on_the_next_request(client, coordinator_oslo):
    _acting_as_coordinator(client, coordinator_oslo)
    Membership.objects.filter(user=coordinator_oslo).delete()
    assert client.get(reverse("invitation_list")).status_code == 403


def test_a_role_given_works_on_the_next_request(client, oslo, volunteer_oslo):
    login(client, volunteer_oslo)
    assert client.get(reverse("invitation_list")).status_code == 403
    Membership.objects.bulk_create([Membership(user=volunteer_oslo, role=Role.NATIONAL_ADMIN)])
    response = client.get(reverse("invitation_list"))
    # Two roles now: she is asked which to act in, no longer refused.
    assert response.status_code == 302 and response["Location"].startswith(reverse("role_switch"))


def test_an_authenticator_removed_sends_her_to_set_up_two_step_on_the_next_request(
    client, coordinator_oslo
):
    _acting_as_coordinator(client, coordinator_oslo)
    Authenticator.objects.filter(user=coordinator_oslo).delete()
    response = client.get(reverse("invitation_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_an_association_renamed_shows_on_the_next_request(client, oslo, coordinator_oslo):
    login(client, coordinator_oslo)
    client.get(reverse("privacy"))
    oslo.name = "Oslo og Omegn Sanitetsforening"
    oslo.save()
    assert "Oslo og Omegn Sanitetsforening" in client.get(reverse("privacy")).content.decode()


def test_a_stale_copy_of_the_user_saved_does_not_lower_her_access_version(coordinator_oslo):
    stale = User.objects.get(pk=coordinator_oslo.pk)
    MembershipFactory(user=coordinator_oslo, role=Role.NATIONAL_ADMIN)
    raised = User.objects.get(pk=coordinator_oslo.pk).access_version
    assert raised > stale.access_version
    stale.first_name = "Hanna"
    stale.save()
    fresh = User.objects.get(pk=coordinator_oslo.pk)
    assert (fresh.first_name, fresh.access_version) == ("Hanna", raised)


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
)
@pytest.mark.filterwarnings("ignore")
def test_a_cache_that_is_down_costs_speed_not_access(client, coordinator_oslo, caplog):
    _acting_as_coordinator(client, coordinator_oslo)
    Membership.objects.filter(user=coordinator_oslo).update(ended_at=timezone.now())
    assert client.get(reverse("invitation_list")).status_code == 403
    assert "The cache could not be read" in caplog.text
