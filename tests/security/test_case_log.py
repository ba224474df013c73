"""«Who has seen her data»: the log of one case (a referral, its matches and their concerns),
linked from the referral's and the match's pages, for the association's coordinators; and the
access log page narrowed by person, case and period."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.audit import access_log_record
from accounts.models import AccessLog, Role
from matching.models import Concern
from tests.conftest import login
from tests.factories import person
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def colleague(oslo):
    return person(Role.COORDINATOR, place=oslo, first_name="Kari", last_name="Lund")


@pytest.fixture
def case(make_referral, make_match, make_volunteer, oslo):
    """A referral of Oslo with an active match and a concern, and another referral of Oslo."""
    referral = make_referral(oslo, status="active")
    match = make_match(make_volunteer(oslo), referral=referral)
    concern = Concern.objects.create(match=match, text="Bekymring", raised_at=timezone.now())
    other = make_referral(oslo)
    return referral, match, concern, other


def lines(html: str) -> list[tuple[str, str, str, str]]:
    """(who, role, what, record) of each line of the case's log."""
    found = re.findall(
        r'<td data-label="Who">(.*?)</td>\s*<td data-label="Role">(.*?)</td>\s*'
        r'<td data-label="What">(.*?)</td>\s*<td data-label="Record">\s*(\S[^<]*?)\s*<span',
        html,
        flags=re.S,
    )
    return [tuple(part.strip() for part in line) for line in found]


def test_the_case_log_shows_who_opened_her_referral_and_match_and_nothing_else(
    client, case, coordinator_oslo, colleague, shelter_worker_oslo
):
    referral, match, concern, other = case
    # The shelter worker opens her referral; the colleague the match, the concern and the
    # safety notes; the colleague also opens another woman's referral.
    login(client, shelter_worker_oslo)
    assert client.get(reverse("referral_detail", args=[referral.public_id])).status_code == 200
    login(client, colleague)
    assert client.get(reverse("match_detail", args=[match.public_id])).status_code == 200
    assert client.get(reverse("concern_detail", args=[concern.public_id])).status_code == 200
    notes = reverse("referral_safety_notes", args=[referral.public_id])
    assert client.get(notes).status_code == 200
    assert client.get(reverse("referral_detail", args=[other.public_id])).status_code == 200
    login(client, coordinator_oslo)
    response = client.get(reverse("referral_access_log", args=[referral.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = lines(html)
    staff = shelter_worker_oslo.get_full_name()
    assert ("Kari Lund", "Coordinator", "Viewed", "concern") in shown
    assert ("Kari Lund", "Coordinator", "Viewed", "match") in shown
    assert ("Kari Lund", "Coordinator", "Viewed", "referral, safety notes") in shown
    assert (staff, "Shelter staff", "Viewed", "referral") in shown
    # Created: from the change history.
    assert any(line[2] == "Created" and line[3] == "referral" for line in shown)
    # The other woman's referral is not in this case's log, nor her alias anywhere.
    viewed = [line for line in shown if line[2] == "Viewed"]
    assert len(viewed) == 4
    assert str(other.public_id)[:8] not in html
    assert referral.alias not in html and other.alias not in html
    # The match's page leads to the same case.
    from_match = client.get(reverse("match_access_log", args=[match.public_id]))
    assert lines(from_match.content.decode())[1:] == shown[1:]  # (+ this page's own look)


def test_the_referral_and_match_pages_link_to_the_case_log(client, case, coordinator_oslo):
    referral, match, _concern, _other = case
    login(client, coordinator_oslo)
    page = client.get(reverse("referral_detail", args=[referral.public_id])).content.decode()
    assert f'href="{reverse("referral_access_log", args=[referral.public_id])}"' in page
    page = client.get(reverse("match_detail", args=[match.public_id])).content.decode()
    assert f'href="{reverse("match_access_log", args=[match.public_id])}"' in page
    assert "Who has seen her data" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("shelter_worker_oslo", 403),
        ("volunteer_oslo", 403),
        ("national_admin", 403),
        ("coordinator_bergen", 404),
    ],
)
def test_only_the_associations_coordinators_see_the_case_log(client, case, request, who, status):
    referral, match, _concern, _other = case
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("referral_access_log", args=[referral.public_id])).status_code == (
        status
    )
    assert client.get(reverse("match_access_log", args=[match.public_id])).status_code == status


def test_the_case_log_takes_as_many_queries_for_30_entries_as_for_3(
    client, case, coordinator_oslo, colleague, oslo
):
    referral, match, _concern, _other = case

    def grow(n):
        for _ in range(n):
            for public_id in (referral.public_id, match.public_id):
                access_log_record(
                    user=colleague,
                    role="coordinator",
                    action="view",
                    object_type="referral",
                    object_id=public_id,
                    association_id=oslo.pk,
                )
            referral.needs = (referral.needs or 0) + 1
            referral.save()

    login(client, coordinator_oslo)
    url = reverse("referral_access_log", args=[referral.public_id])
    assert assert_constant_queries(client, url, grow) == 8


# --- The access log narrowed ------------------------------------------------------------------


def entry(user, object_id, *, days_ago=0, association=None):
    made = access_log_record(
        user=user,
        role="coordinator",
        action="view",
        object_type="referral",
        object_id=object_id,
        association_id=association.pk if association else None,
    )
    if days_ago:
        AccessLog.objects.filter(pk=made.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return made


def records(html: str) -> list[str]:
    return re.findall(r'<td data-label="Record">referral <span[^>]*>([^<]*)</span>', html)


def test_the_access_log_by_person_case_and_period(
    client, oslo, coordinator_oslo, colleague, national_admin
):
    first, second = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
    entry(coordinator_oslo, first, association=oslo)
    entry(colleague, second, association=oslo, days_ago=10)
    entry(colleague, first, association=oslo, days_ago=40)
    login(client, coordinator_oslo)
    every = client.get("/logg/").content.decode()
    assert records(every) == ["aaaaaaaa", "bbbbbbbb", "aaaaaaaa"]
    # The people in her log are to choose from, by public id.
    assert f'<option value="{colleague.public_id}">Kari Lund</option>' in every
    by_person = client.get(f"/logg/?person={colleague.public_id}").content.decode()
    assert records(by_person) == ["bbbbbbbb", "aaaaaaaa"]
    assert "Show all" in by_person
    assert records(client.get(f"/logg/?sak={first}").content.decode()) == ["aaaaaaaa"] * 2
    assert records(client.get("/logg/?sak=BBBBBBBB").content.decode()) == ["bbbbbbbb"]
    today = timezone.localdate()
    since = (today - timedelta(days=20)).isoformat()
    assert records(client.get(f"/logg/?fra={since}").content.decode()) == ["aaaaaaaa", "bbbbbbbb"]
    until = (today - timedelta(days=5)).isoformat()
    period = client.get(f"/logg/?fra={since}&til={until}&person={colleague.public_id}")
    assert records(period.content.decode()) == ["bbbbbbbb"]
    nothing = client.get(f"/logg/?til={(today - timedelta(days=100)).isoformat()}")
    assert "Nothing matches the filters." in nothing.content.decode()


def test_a_name_is_refused_as_a_case_and_the_field_says_so(client, oslo, coordinator_oslo):
    entry(coordinator_oslo, "aaaaaaaa-0000-4000-8000-000000000001", association=oslo)
    login(client, coordinator_oslo)
    html = client.get("/logg/?sak=Amal").content.decode()
    assert "Give the id of the case (letters a–f, digits and dashes), not a name." in html
    assert 'pattern="[0-9a-fA-F\\-]{8,36}"' in html  # the browser does not send a name
    assert records(html) == ["aaaaaaaa"]  # not narrowed, no error page
    wrong = client.get("/logg/?fra=2026-05-02&til=2026-05-01").content.decode()
    assert "The end of the period cannot be before its start." in wrong
    assert 'value="2026-05-02"' in wrong  # what she typed is kept


def test_the_narrowed_log_is_paged_with_its_filters(client, oslo, coordinator_oslo, colleague):
    for n in range(52):
        entry(colleague, f"{n:08d}", association=oslo)
    entry(coordinator_oslo, "ffffffff", association=oslo)
    login(client, coordinator_oslo)
    first = client.get(f"/logg/?person={colleague.public_id}").content.decode()
    assert "Showing 1–50 of 52" in first
    assert f'href="?person={colleague.public_id}&amp;side=2"' in first
    second = client.get(f"/logg/?person={colleague.public_id}&side=2").content.decode()
    assert len(records(second)) == 2 and "ffffffff" not in records(second)


@pytest.mark.parametrize("who", ["coordinator_oslo", "national_admin"])
def test_the_narrowed_log_takes_as_many_queries_for_30_as_for_3(
    client, request, oslo, coordinator_oslo, colleague, who
):
    def grow(n):
        for i in range(n):
            entry(colleague, f"aaaa{i:04d}", association=oslo)
            entry(coordinator_oslo, f"bbbb{i:04d}", association=oslo)

    login(client, request.getfixturevalue(who))
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    url = f"/logg/?person={colleague.public_id}&sak=aaaaaaaa&fra={since}"
    # The session, her, the people in her log, the count and the page of entries.
    assert assert_constant_queries(client, url, grow) == 5
