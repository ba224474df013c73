"""Her match is her home ("Min kobling"): a card per match with the next step, whom to call, a
big "Log a meeting" and "I am worried"; and the notifications that bring her there say what
happened, once, and are done when she has answered."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching import reminders, services
from matching.models import MatchStatus, Meeting
from matching.notifications import (
    FIRST_MEETING_MOVED,
    FIRST_MEETING_SET,
    MATCH_ACTIVE,
    MATCH_PAUSED,
    MATCH_PROPOSED,
    MATCH_RESUMED,
)
from notifications.models import Notification
from notifications.services import notify
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(oslo, volunteer_oslo, make_volunteer):
    return make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)


def active(match, *, days: int = 30):
    match.started_on = timezone.localdate() - timedelta(days=days)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    return match


def card(html: str, match) -> str:
    """The HTML of one match's card on her page."""
    start = html.index(f'id="{match.card_id}"')
    end = html.find("</section>", start)
    return " ".join(html[start:end].split())


def test_a_proposal_is_answered_on_its_card_and_the_shelter_is_shown_only_after(
    client, nora, volunteer_oslo, coordinator_oslo, make_match
):
    match = make_match(nora, status=MatchStatus.PROPOSED)
    shelter = match.referral.shelter
    login(client, volunteer_oslo)
    html = card(client.get(reverse("my_match")).content.decode(), match)
    assert f'action="{reverse("my_match_answer", args=[match.public_id])}"' in html
    assert 'value="confirm"' in html and 'value="decline"' in html
    assert shelter.name not in html and "22 00 00 00" not in html
    assert coordinator_oslo.get_full_name() in html and coordinator_oslo.email in html
    assert reverse("meeting_log") not in html  # nothing to log yet

    response = client.post(
        reverse("my_match_answer", args=[match.public_id]), {"answer": "confirm"}
    )
    assert response["Location"] == match.get_volunteer_url()
    html = card(client.get(reverse("my_match")).content.decode(), match)
    assert 'value="confirm"' not in html
    assert "Takk for at du bekreftet. Koordinatoren planlegger det første møtet med deg." in html
    assert shelter.name in html and 'href="tel:+4722000000">22 00 00 00</a>' in html


def test_an_active_match_shows_the_last_meeting_a_big_log_button_and_i_am_worried(
    client, nora, volunteer_oslo, coordinator_oslo, make_match
):
    coordinator_oslo.phone = "+4740000011"
    coordinator_oslo.save()
    match = active(make_match(nora, status=MatchStatus.ACTIVE))
    Meeting.objects.create(
        match=match, date=timezone.localdate() - timedelta(days=4), met=True, minutes=60
    )
    login(client, volunteer_oslo)
    html = card(client.get(reverse("my_match")).content.decode(), match)
    day = (timezone.localdate() - timedelta(days=4)).strftime("%d.%m.%Y")
    assert f"Siste møte logget {day}, for 4 dager siden" in html
    log = f'href="{reverse("meeting_log")}?kobling={match.public_id}"'
    assert re.search(rf'class="btn btn-primary big-action" {re.escape(log)}>Logg et møte<', html)
    assert f'href="{reverse("concern_new")}?kobling={match.public_id}">Jeg er bekymret<' in html
    assert 'href="tel:+4740000011">40 00 00 11</a>' in html
    assert f'href="mailto:{coordinator_oslo.email}"' in html


def test_the_first_meeting_is_on_its_card(client, nora, volunteer_oslo, make_match):
    match = make_match(nora, status=MatchStatus.FIRST_MEETING_PLANNED)
    match.first_meeting_at = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=3), time(18))
    )
    match.first_meeting_place = "Kafeen ved biblioteket"
    match.save()
    login(client, volunteer_oslo)
    html = card(client.get(reverse("my_match")).content.decode(), match)
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"Første møte {day} kl. 18:00 <br>Kafeen ved biblioteket" in html


def test_with_two_matches_each_is_a_card_and_the_emergency_link_is_on_the_page(
    client, nora, volunteer_oslo, make_match
):
    first = active(make_match(nora, status=MatchStatus.ACTIVE))
    second = make_match(nora, status=MatchStatus.PROPOSED)
    login(client, volunteer_oslo)
    html = client.get(reverse("my_match")).content.decode()
    assert first.referral.alias in card(html, first) and second.referral.alias in card(html, second)
    assert second.referral.alias not in card(html, first)
    assert html.count('class="card mb-3 match-card"') == 2
    assert f'href="{reverse("emergency")}"' in html and "Trenger du hjelp nå?" in html


def test_her_start_page_leads_a_waiting_proposal_to_where_she_answers(
    client, nora, volunteer_oslo, make_match
):
    match = make_match(nora, status=MatchStatus.PROPOSED)
    login(client, volunteer_oslo)
    html = " ".join(client.get(reverse("my_page")).content.decode().split())
    link = f'<a href="{match.get_volunteer_url()}"><strong>Et forslag venter på svaret ditt'
    assert link in html
    # "Log a meeting" only once there is a match to log it for; "I am worried" already.
    assert f'href="{reverse("meeting_log")}"' not in html
    assert f'href="{reverse("concern_new")}">Jeg er bekymret<' in html
    answer = reverse("my_match_answer", args=[match.public_id])
    assert f'action="{answer}"' in card(client.get(reverse("my_match")).content.decode(), match)


def test_another_volunteer_sees_none_of_her_matches(client, oslo, nora, make_match):
    match = active(make_match(nora, status=MatchStatus.ACTIVE))
    other = person(Role.VOLUNTEER, place=oslo, email="siri@frivillig.example")
    login(client, other)
    html = client.get(reverse("my_match")).content.decode()
    assert match.referral.alias not in html and str(match.public_id) not in html


# --- The notifications that bring her here -----------------------------------------------------


def test_the_proposal_notification_is_done_when_she_answers(
    client, nora, volunteer_oslo, coordinator_oslo, make_referral
):
    nora.capacity = 2
    nora.save()
    first = services.match_propose(
        referral=make_referral(nora.association), volunteer=nora, by=coordinator_oslo
    )
    second = services.match_propose(
        referral=make_referral(nora.association), volunteer=nora, by=coordinator_oslo
    )
    waiting = Notification.objects.filter(recipient=volunteer_oslo, kind=MATCH_PROPOSED)
    assert sorted(n.link for n in waiting) == sorted(
        [first.get_volunteer_url(), second.get_volunteer_url()]
    )
    login(client, volunteer_oslo)
    client.post(reverse("my_match_answer", args=[first.public_id]), {"answer": "confirm"})
    assert [n.link for n in waiting.unread()] == [second.get_volunteer_url()]
    client.post(reverse("my_match_answer", args=[second.public_id]), {"answer": "decline"})
    assert not waiting.unread().exists()
    html = client.get(reverse("my_page")).content.decode()
    assert "Et forslag om kobling venter på svaret ditt." not in html


def test_a_proposal_withdrawn_by_the_coordinator_waits_no_more(
    nora, volunteer_oslo, coordinator_oslo, make_referral
):
    match = services.match_propose(
        referral=make_referral(nora.association), volunteer=nora, by=coordinator_oslo
    )
    services.match_cancel(match=match, reason="coordinator", by=coordinator_oslo)
    mine = Notification.objects.filter(recipient=volunteer_oslo)
    assert not mine.filter(kind=MATCH_PROPOSED).unread().exists()
    assert [n.text for n in mine.unread()] == ["Forslaget om kobling er trukket tilbake."]


def test_each_notification_says_what_happened_once_and_nothing_about_her(
    nora, volunteer_oslo, coordinator_oslo, make_referral, django_capture_on_commit_callbacks
):
    referral = make_referral(nora.association, alias="Amina")
    match = services.match_propose(referral=referral, volunteer=nora, by=coordinator_oslo)
    services.match_confirm_conflict_check(match=match, by=volunteer_oslo)
    at = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_plan_first_meeting(match=match, at=at, place="Kafeen", by=coordinator_oslo)
        services.match_plan_first_meeting(
            match=match, at=at + timedelta(hours=1), place="Kafeen", by=coordinator_oslo
        )
        services.match_plan_first_meeting(
            match=match, at=at + timedelta(hours=2), place="Kafeen", by=coordinator_oslo
        )
    match = services.match_activate(
        match=match, started_on=timezone.localdate(), by=coordinator_oslo
    )
    for _ in range(2):
        services.match_pause(match=match, by=coordinator_oslo)
        services.match_resume(match=match, by=coordinator_oslo)
    mine = Notification.objects.filter(recipient=volunteer_oslo)
    # Moved twice: once. Active: the meeting time is old news. Paused and resumed twice: only
    # the last, resumed, waits for her, once.
    assert sorted(n.kind for n in mine.unread()) == sorted([MATCH_ACTIVE, MATCH_RESUMED])
    assert mine.filter(kind=FIRST_MEETING_MOVED).count() == 1
    assert mine.filter(kind=MATCH_PAUSED).count() == 1
    texts = {n.kind: n.text for n in mine}
    assert texts[FIRST_MEETING_SET] == "Et møtetidspunkt er satt."
    assert texts[FIRST_MEETING_MOVED] == "Møtetidspunktet er endret."
    assert texts[MATCH_PAUSED] == "Koblingen er satt på pause."
    assert texts[MATCH_RESUMED] == "Koblingen er i gang igjen."
    unread = list(mine)
    assert all(n.link == match.get_volunteer_url() for n in unread)
    for n in unread:
        assert "Amina" not in n.text + n.link and "Kafeen" not in n.text + n.link
    to_her = [m for m in mail.outbox if m.to == [volunteer_oslo.email]]
    assert to_her and all("Amina" not in m.body and "Kafeen" not in m.body for m in to_her)
    assert "Et møtetidspunkt er satt. Logg inn for å se det." in to_her[0].body


# --- Queries ----------------------------------------------------------------------------------

# The session, her login (with her roles), her open matches (with the last meeting), their
# languages, the coordinators who follow them, the bell.
MY_MATCH_QUERIES = 6


def test_her_match_page_makes_a_fixed_number_of_queries_with_one_or_two_matches(
    client,
    bergen,
    nora,
    volunteer_oslo,
    coordinator_oslo,
    make_match,
    make_referral,
    django_assert_num_queries,
):
    person(Role.COORDINATOR, place=bergen, email="bergen2@example.no")
    active(make_match(nora, status=MatchStatus.ACTIVE))
    login(client, volunteer_oslo)
    client.get(reverse("my_match"))
    with django_assert_num_queries(MY_MATCH_QUERIES):
        client.get(reverse("my_match"))
    # A second match, of a woman of a neighbouring association (other coordinators).
    make_match(nora, status=MatchStatus.PROPOSED, referral=make_referral(bergen))
    with django_assert_num_queries(MY_MATCH_QUERIES):
        response = client.get(reverse("my_match"))
    assert len(response.context["matches"]) == 2
    assert [len(m.coordinators) for m in response.context["matches"]] == [1, 1]


def test_logging_a_meeting_marks_her_reminders_of_that_match_done(
    client, nora, volunteer_oslo, make_match
):
    nora.capacity = 2
    nora.save()
    first = active(make_match(nora, status=MatchStatus.ACTIVE), days=30)
    second = active(make_match(nora, status=MatchStatus.ACTIVE), days=30)
    today = timezone.localdate()
    due = {d.link for d in reminders.no_meeting_volunteer(today)}
    assert due == {reminders.log_link(first.public_id), reminders.log_link(second.public_id)}
    for match in (first, second):
        remind_her(volunteer_oslo, nora, reminders.log_link(match.public_id))
    login(client, volunteer_oslo)
    page = client.get(reminders.log_link(second.public_id)).content.decode()
    assert f'value="{second.public_id}" checked' in page  # the reminder's match is chosen
    client.post(
        reverse("meeting_log"),
        {"match": str(second.public_id), "day": today.isoformat(), "met": "yes", "duration": "60"},
    )
    waiting = Notification.objects.filter(recipient=volunteer_oslo).unread()
    assert [n.link for n in waiting] == [reminders.log_link(first.public_id)]


def remind_her(user, volunteer, link):
    notify(
        recipients=[user],
        kind=reminders.NO_MEETING_VOLUNTEER,
        link=link,
        role=Role.VOLUNTEER,
        association_id=volunteer.association_id,
        email=False,
    )
