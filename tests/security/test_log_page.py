"""The access log page a page at a time (issue 15): the access log and the change history each
on a tab of its own, 50 entries a page with the count, the tab kept in the page links; the same
number of queries with 3 entries and with 30."""

import re

import pytest
from django.conf import settings

from accounts.audit import access_log_record
from tests.conftest import login
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def viewed(user, association, times: int) -> list[str]:
    """`times` entries of hers in the access log, each about a referral of its own id."""
    ids = [f"{n:08d}-{association.pk}" for n in range(times)]
    for object_id in ids:
        access_log_record(
            user=user,
            role="coordinator",
            action="view",
            object_type="referral",
            object_id=object_id,
            association_id=association.pk,
        )
    return ids


def records(html: str) -> list[str]:
    return re.findall(r'<td data-label="Record">referral <span[^>]*>([^<]*)</span>', html)


def changed(make_referral, association, times: int) -> None:
    """`times` referrals created and then changed: two entries each in the change history."""
    for _n in range(times):
        referral = make_referral(association)
        referral.wishes = "changed"
        referral.save()


def test_the_access_log_is_paged_newest_first(client, oslo, coordinator_oslo):
    ids = viewed(coordinator_oslo, oslo, 52)
    login(client, coordinator_oslo)
    first = client.get("/logg/").content.decode()
    assert records(first) == [i[:8] for i in reversed(ids[2:])]
    assert "Showing 1–50 of 52" in first
    second = client.get("/logg/?side=2").content.decode()
    assert records(second) == [i[:8] for i in reversed(ids[:2])]
    assert 'href="?side=1"' in second
    assert "What changed" not in first  # the change history is on its own tab
    assert 'href="/logg/?vis=endringer"' in first


def test_the_change_history_is_paged_and_keeps_its_tab(
    client, oslo, coordinator_oslo, make_referral
):
    changed(make_referral, oslo, 26)
    login(client, coordinator_oslo)
    first = client.get("/logg/?vis=endringer").content.decode()
    assert first.count('<td data-label="What changed">') == 50
    assert "Showing 1–50 of 52" in first
    assert 'href="?vis=endringer&amp;side=2"' in first
    second = client.get("/logg/?vis=endringer&side=2").content.decode()
    assert second.count('<td data-label="What changed">') == 2
    assert 'href="?vis=endringer&amp;side=1"' in second
    assert '<td data-label="Role">' not in second  # the access log is on the other tab


@pytest.mark.parametrize("query", ["", "?vis=endringer"])
@pytest.mark.parametrize("who", ["coordinator_oslo", "national_admin"])
def test_the_log_page_takes_as_many_queries_for_30_as_for_3(
    client, request, oslo, coordinator_oslo, make_referral, who, query
):
    def grow(n):
        viewed(coordinator_oslo, oslo, n)
        changed(make_referral, oslo, n)

    login(client, request.getfixturevalue(who))
    assert_constant_queries(client, f"/logg/{query}", grow)
