""" "I am worried" on its own: a concern raised from her start page or her match, without a
meeting, sent at once exactly like one raised with a meeting log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching import services
from matching.models import Concern, MatchStatus
from matching.notifications import CONCERN
from notifications.models import Notification, OutboxMessage
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db

SECRET = "HEMMELIG: han sto utenfor skolen til barna i dag"


@pytest.fixture
def nora(oslo, volunteer_oslo, make_volunteer):
    return make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)


@pytest.fixture
def active_match(nora, make_match):
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=30)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    return match


def raise_concern(client, **overrides):
    data = {"text": SECRET, "danger": "no", **overrides}
    return client.post(reverse("concern_new"), data)


def test_a_concern_without_a_meeting_alerts_the_coordinators_and_says_nothing_but_that(
    client,
    active_match,
    volunteer_oslo,
    coordinator_oslo,
    oslo,
    django_capture_on_commit_callbacks,
):
    second = person(Role.COORDINATOR, place=oslo, email="stedfortreder@oslo.example")
    login(client, volunteer_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        response = raise_concern(client)
    assert response["Location"] == reverse("my_page")
    concern = Concern.objects.get()
    assert (concern.match, concern.meeting, concern.text, concern.raised_by) == (
        active_match,
        None,
        SECRET,
        volunteer_oslo,
    )
    # The same alert as a concern in a meeting log: each coordinator, in the app and by email.
    for coordinator in (coordinator_oslo, second):
        note = Notification.objects.get(recipient=coordinator)
        assert (note.kind, note.role) == (CONCERN, Role.COORDINATOR)
        assert note.link == reverse("concern_detail", args=[concern.public_id])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator_oslo.email, second.email])
    alias = active_match.referral.alias
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        assert "HEMMELIG" not in text and "skolen" not in text and alias not in text
        assert "bekymring" in text
    for note in Notification.objects.all():
        assert "HEMMELIG" not in note.text + note.link and alias not in note.text + note.link
    assert all(m.context == {} for m in OutboxMessage.objects.all())
    # She is thanked on her start page.
    page = client.get(response["Location"]).content.decode()
    assert "Koordinatoren din har fått beskjed og tar kontakt med deg." in page


def test_the_coordinator_sees_it_on_the_match_and_opens_it(
    client, active_match, volunteer_oslo, coordinator_oslo
):
    login(client, volunteer_oslo)
    raise_concern(client)
    concern = Concern.objects.get()
    client.logout()
    login(client, coordinator_oslo)
    assert "1 bekymring er ikke fulgt opp" in client.get("/").content.decode()
    assert (
        SECRET in client.get(reverse("concern_detail", args=[concern.public_id])).content.decode()
    )


def test_someone_in_danger_now_sends_her_to_the_emergency_numbers_and_the_concern_is_sent(
    client, active_match, volunteer_oslo, coordinator_oslo
):
    login(client, volunteer_oslo)
    response = raise_concern(client, danger="yes")
    assert response["Location"] == reverse("emergency")
    assert Concern.objects.get().text == SECRET
    assert Notification.objects.filter(recipient=coordinator_oslo, kind=CONCERN).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Koordinatoren din har fått beskjed. Er noen i fare, ring 112 nå." in page
    assert 'href="tel:112"' in page


def test_the_form_puts_112_first_and_chooses_her_only_match_for_her(
    client, active_match, volunteer_oslo
):
    login(client, volunteer_oslo)
    page = client.get(reverse("concern_new")).content.decode()
    assert page.index('href="tel:112"') < page.index('name="text"')
    assert "Er noen i fare akkurat nå?" in page
    assert f'type="hidden" name="match" value="{active_match.public_id}"' in page
    assert "<select" not in page


def test_with_two_matches_she_chooses_which_one_it_is_about(
    client, nora, active_match, volunteer_oslo, make_match
):
    other = make_match(nora, status=MatchStatus.FIRST_MEETING_PLANNED)
    login(client, volunteer_oslo)
    page = client.get(reverse("concern_new") + f"?kobling={other.public_id}").content.decode()
    assert "<select" in page
    assert f'value="{other.public_id}" selected' in page
    assert active_match.referral.alias in page and other.referral.alias in page
    raise_concern(client, match=str(other.public_id))
    assert Concern.objects.get().match == other


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": "   "}, "text", "Skriv hva som skjedde, så koordinatoren din kan hjelpe."),
        ({"danger": ""}, "danger", "Svar ja eller nei."),
        ({"text": "x" * 1001}, "text", "1000"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_lost_or_saved(
    client, active_match, volunteer_oslo, overrides, field, message
):
    login(client, volunteer_oslo)
    response = raise_concern(client, **overrides)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    if field != "text":
        assert SECRET in response.content.decode()  # what she wrote is kept
    assert not Concern.objects.exists() and not Notification.objects.exists()


def test_another_volunteer_cannot_raise_a_concern_on_a_match_not_hers(
    client, oslo, active_match, make_volunteer, make_match
):
    other_user = person(Role.VOLUNTEER, place=oslo, email="siri@frivillig.example")
    siri = make_volunteer(oslo, first_name="Siri", user=other_user, email=other_user.email)
    own = make_match(siri, status=MatchStatus.ACTIVE)
    login(client, other_user)
    url = reverse("concern_new") + f"?kobling={active_match.public_id}"
    assert client.get(url).status_code == 404
    response = raise_concern(client, match=str(active_match.public_id))
    assert response.status_code == 200
    assert "match" in response.context["form"].errors
    assert active_match.referral.alias not in response.content.decode()
    assert not Concern.objects.exists()
    # Her own match is not affected by the attempt; a concern on it works.
    raise_concern(client, match=str(own.public_id))
    assert Concern.objects.get().match == own


def test_without_an_open_match_there_is_nothing_to_send(client, nora, volunteer_oslo, make_match):
    ended = make_match(nora, status=MatchStatus.ENDED)
    login(client, volunteer_oslo)
    page = client.get(reverse("concern_new")).content.decode()
    assert "Du har ingen kobling nå." in page and 'href="tel:112"' in page
    assert client.get(reverse("concern_new") + f"?kobling={ended.public_id}").status_code == 200
    raise_concern(client, match=str(ended.public_id))
    assert not Concern.objects.exists()


def test_only_a_volunteer_raises_one(client, active_match, coordinator_oslo):
    login(client, coordinator_oslo)
    assert raise_concern(client, match=str(active_match.public_id)).status_code == 403
    client.logout()
    assert raise_concern(client).status_code == 302  # to the login page
    assert not Concern.objects.exists()


def test_the_service_refuses_an_empty_concern_and_a_closed_match(
    active_match, volunteer_oslo, coordinator_oslo
):
    with pytest.raises(services.MatchingError):
        services.concern_raise(match=active_match, by=volunteer_oslo, text="  ")
    active_match.status = MatchStatus.ENDED
    active_match.outcome_moved_back = "no"
    active_match.save()
    with pytest.raises(services.MatchingError):
        services.concern_raise(match=active_match, by=volunteer_oslo, text="Bekymret")
    assert not Concern.objects.exists() and not Notification.objects.exists()


# The session, her login (with her roles), her open matches, the bell.
CONCERN_FORM_QUERIES = 4


def test_the_form_makes_a_fixed_number_of_queries_with_one_or_two_matches(
    client, nora, active_match, volunteer_oslo, make_match, django_assert_num_queries
):
    login(client, volunteer_oslo)
    client.get(reverse("concern_new"))
    with django_assert_num_queries(CONCERN_FORM_QUERIES):
        client.get(reverse("concern_new"))
    make_match(nora, status=MatchStatus.PROPOSED)
    with django_assert_num_queries(CONCERN_FORM_QUERIES):
        response = client.get(reverse("concern_new"))
    assert len(response.context["matches"]) == 2
