"""The match lifecycle from proposal to outcome, the volunteer's conflict check, and what the
shelter sees."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching import services
from matching.models import CancelReason, Match, MatchStatus, ReferralStatus
from matching.notifications import (
    FIRST_MEETING_SET,
    MATCH_ACTIVE,
    MATCH_PROPOSED,
    REFERRAL_STATUS,
)
from notifications.models import Notification
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(oslo, volunteer_oslo, make_volunteer):
    """An approved ressursvenn in Oslo with a login (the volunteer_oslo user)."""
    return make_volunteer(
        oslo,
        first_name="Nora",
        user=volunteer_oslo,
        email=volunteer_oslo.email,
        phone="+4791112222",
    )


def test_the_whole_road_from_proposal_to_outcome(
    client, oslo, coordinator_oslo, shelter_worker_oslo, volunteer_oslo, nora, make_referral
):
    referral = make_referral(oslo, alias="Amal", status=ReferralStatus.BEING_MATCHED)
    login(client, coordinator_oslo)
    html = client.get(reverse("referral_suggestions", args=[referral.public_id])).content.decode()
    assert "Nora" in html and "Foreslå Nora" in html
    client.post(
        reverse("match_propose", args=[referral.public_id]), {"volunteer": str(nora.public_id)}
    )
    match = Match.objects.get()
    referral.refresh_from_db()
    assert (match.status, referral.status) == (MatchStatus.PROPOSED, ReferralStatus.MATCH_PROPOSED)
    assert match.proposed_by == coordinator_oslo and match.score is not None
    assert Notification.objects.filter(recipient=volunteer_oslo, kind=MATCH_PROPOSED).exists()

    # Activating or planning before her conflict check is refused.
    meeting = {"day": timezone.localdate().isoformat(), "time": "12:00", "place": "Krisesenteret"}
    html = client.post(
        reverse("match_action", args=[match.public_id, "first-meeting"]), meeting
    ).content.decode()
    assert "må først bekrefte" in html
    match.refresh_from_db()
    assert match.status == MatchStatus.PROPOSED

    # She confirms on her phone; she sees the alias and needs, never the safety notes.
    client.logout()
    login(client, volunteer_oslo)
    html = client.get(reverse("my_match")).content.decode()
    assert ("Amal" in html and referral.safety_notes not in html) or not referral.safety_notes
    client.post(reverse("my_match_answer", args=[match.public_id]), {"answer": "confirm"})
    match.refresh_from_db()
    assert match.conflict_checked_at is not None

    client.logout()
    login(client, coordinator_oslo)
    client.post(reverse("match_action", args=[match.public_id, "first-meeting"]), meeting)
    match.refresh_from_db()
    assert match.status == MatchStatus.FIRST_MEETING_PLANNED
    # She is told what happened (neutrally), not when she acted herself (the conflict check):
    # the proposal waits no more, and a meeting time is set, on the card of this match.
    told = Notification.objects.filter(recipient=volunteer_oslo).order_by("created_at")
    assert [(n.kind, n.link, bool(n.read_at)) for n in told] == [
        (MATCH_PROPOSED, match.get_volunteer_url(), True),
        (FIRST_MEETING_SET, match.get_volunteer_url(), False),
    ]
    # The shelter now sees her first name and phone – and nothing else about her.
    client.logout()
    login(client, shelter_worker_oslo)
    html = client.get("/").content.decode()
    assert "Nora" in html and "+47 91 11 22 22" in html
    assert nora.last_name not in html and nora.email not in html

    client.logout()
    login(client, coordinator_oslo)
    client.post(
        reverse("match_action", args=[match.public_id, "activate"]),
        {"started_on": timezone.localdate().isoformat()},
    )
    match.refresh_from_db()
    referral.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE and referral.status == ReferralStatus.ACTIVE
    assert [n.kind for n in told.all()][-1] == MATCH_ACTIVE  # and again when it became active
    assert match.planned_end_on.year == timezone.localdate().year + 1

    # Ending without the outcome is refused; with it, the match and the referral end.
    end = {
        "ended_on": timezone.localdate().isoformat(),
        "end_planned": "no",
        "end_initiated_by": "woman",
        "end_reason": "moved",
    }
    html = client.post(reverse("match_end", args=[match.public_id]), end).content.decode()
    assert "Registrer om hun flyttet tilbake til overgriper" in html
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE
    client.post(
        reverse("match_end", args=[match.public_id]),
        {
            **end,
            "outcome_moved_back": "no",
            "outcome_housing": "yes",
            "outcome_work_or_study": "unknown",
            "outcome_network": "no",
        },
    )
    match.refresh_from_db()
    referral.refresh_from_db()
    assert (match.status, match.outcome_moved_back, match.end_planned) == (
        MatchStatus.ENDED,
        "no",
        False,
    )
    assert referral.status == ReferralStatus.ENDED
    events = list(match.events.values_list("status", flat=True))
    assert events == ["proposed", "first_meeting_planned", "active", "ended"]
    # The shelter was told of each status.
    assert (
        Notification.objects.filter(recipient=shelter_worker_oslo, kind=REFERRAL_STATUS).count()
        == 4
    )


def test_a_crafted_proposal_of_an_ineligible_volunteer_is_refused(
    client, oslo, coordinator_oslo, make_volunteer, make_referral
):
    untrained = make_volunteer(oslo, basic_course=False)
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("match_propose", args=[referral.public_id]),
        {"volunteer": str(untrained.public_id)},
        follow=True,
    )
    assert "kan ikke kobles med denne henvisningen nå" in response.content.decode()
    assert not Match.objects.exists()


def test_the_volunteer_declines_and_the_pair_is_never_suggested_again(
    client, oslo, coordinator_oslo, volunteer_oslo, nora, make_referral
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    match = services.match_propose(referral=referral, volunteer=nora, by=coordinator_oslo)
    login(client, volunteer_oslo)
    client.post(reverse("my_match_answer", args=[match.public_id]), {"answer": "decline"})
    match.refresh_from_db()
    referral.refresh_from_db()
    assert (match.status, match.cancel_reason) == (
        MatchStatus.CANCELLED,
        CancelReason.VOLUNTEER_DECLINED,
    )
    assert referral.status == ReferralStatus.BEING_MATCHED
    with pytest.raises(services.MatchingError):
        services.match_propose(referral=referral, volunteer=nora, by=coordinator_oslo)


def test_transitions_from_the_wrong_status_are_refused(
    oslo, coordinator_oslo, nora, make_referral, make_match
):
    match = make_match(nora, status=MatchStatus.ACTIVE)
    with pytest.raises(services.MatchingError, match="kan ikke gå fra"):
        services.match_cancel(match=match, reason=CancelReason.COORDINATOR, by=coordinator_oslo)
    ended = make_match(nora, status=MatchStatus.ENDED)
    with pytest.raises(services.MatchingError):
        services.match_resume(match=ended, by=coordinator_oslo)
    with pytest.raises(services.MatchingError):
        services.match_end(match=match, ended_on=timezone.localdate(), by=coordinator_oslo)
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE


def test_a_paused_match_is_resumed_not_activated_again_and_keeps_its_year(
    oslo, coordinator_oslo, nora, make_match
):
    paused = make_match(nora, status=MatchStatus.PAUSED)
    paused.started_on = timezone.localdate() - timedelta(days=100)
    paused.planned_end_on = paused.started_on + timedelta(days=365)
    paused.save()
    with pytest.raises(services.MatchingError, match="første møte planlagt"):
        services.match_activate(match=paused, started_on=timezone.localdate(), by=coordinator_oslo)
    planned = make_match(nora, status=MatchStatus.FIRST_MEETING_PLANNED)
    with pytest.raises(services.MatchingError, match="pause"):
        services.match_resume(match=planned, by=coordinator_oslo)

    services.match_resume(match=paused, by=coordinator_oslo)
    paused.refresh_from_db()
    planned.refresh_from_db()
    assert paused.status == MatchStatus.ACTIVE
    assert paused.started_on == timezone.localdate() - timedelta(days=100)
    assert planned.status == MatchStatus.FIRST_MEETING_PLANNED and planned.started_on is None


def test_a_volunteer_cannot_open_or_answer_a_match_that_is_not_hers(
    client, oslo, coordinator_oslo, make_volunteer, make_referral
):
    other_user = person(Role.VOLUNTEER, place=oslo)
    someone = make_volunteer(oslo)
    match = services.match_propose(
        referral=make_referral(oslo, status=ReferralStatus.BEING_MATCHED),
        volunteer=someone,
        by=coordinator_oslo,
    )
    login(client, other_user)
    assert (
        client.post(
            reverse("my_match_answer", args=[match.public_id]), {"answer": "confirm"}
        ).status_code
        == 404
    )
    assert client.get(reverse("match_detail", args=[match.public_id])).status_code == 403
    match.refresh_from_db()
    assert match.conflict_checked_at is None


def test_a_coordinator_of_another_association_gets_404_on_the_match(
    client, oslo, coordinator_oslo, coordinator_bergen, nora, make_match
):
    match = make_match(nora)
    login(client, coordinator_bergen)
    assert client.get(reverse("match_detail", args=[match.public_id])).status_code == 404
    assert client.post(reverse("match_action", args=[match.public_id, "pause"])).status_code == 404
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE


def test_a_woman_whose_match_ended_can_be_referred_again_and_the_earlier_match_is_shown(
    client, oslo, coordinator_oslo, shelter_worker_oslo, nora, make_referral, make_match
):
    earlier = make_referral(oslo, status=ReferralStatus.ENDED, alias="Eva")
    make_match(nora, status=MatchStatus.ENDED, referral=earlier)
    login(client, shelter_worker_oslo)
    page = client.get(reverse("referral_create") + f"?tidligere={earlier.public_id}")
    assert "Hun er henvist før" in page.content.decode()
    from tests.matching.test_referrals import referral_post

    client.post(
        reverse("referral_create"),
        {**referral_post(alias="Eva"), "previous": str(earlier.public_id)},
    )
    again = earlier.__class__.objects.exclude(pk=earlier.pk).get()
    assert again.previous == earlier
    client.logout()
    login(client, coordinator_oslo)
    assert (
        "Den tidligere koblingen hennes, med Nora"
        in client.get(again.get_absolute_url()).content.decode()
    )


def test_an_earlier_match_followed_by_another_association_is_not_shown_but_mentioned(
    client, oslo, bergen, coordinator_bergen, nora, make_referral, make_match
):
    earlier = make_referral(oslo, status=ReferralStatus.ENDED, alias="Eva")
    make_match(nora, status=MatchStatus.ENDED, referral=earlier)
    again = make_referral(bergen, alias="Eva")
    again.previous = earlier
    again.save(update_fields=["previous"])
    login(client, coordinator_bergen)
    html = client.get(again.get_absolute_url()).content.decode()
    assert "Nora" not in html
    assert "Hun er henvist før, til en annen lokalforening." in html


def test_the_match_list_makes_a_fixed_number_of_queries(
    client, oslo, coordinator_oslo, make_volunteer, make_match, django_assert_num_queries
):
    make_match(make_volunteer(oslo))
    login(client, coordinator_oslo)
    with django_assert_num_queries(4):
        client.get(reverse("match_list"))
    for _n in range(10):
        make_match(make_volunteer(oslo))
    with django_assert_num_queries(4):
        client.get(reverse("match_list"))


def test_her_first_meeting_as_a_calendar_file_has_the_time_and_not_the_place(
    client, oslo, volunteer_oslo, nora, make_match, make_volunteer
):
    from icalendar import Calendar

    match = make_match(nora, status=MatchStatus.FIRST_MEETING_PLANNED)
    match.first_meeting_at = timezone.now() + timedelta(days=2)
    match.first_meeting_place = "Krisesenteret, Hemmeligveien 3"
    match.save()
    login(client, volunteer_oslo)
    page = client.get(reverse("my_match")).content.decode()
    url = reverse("my_first_meeting_ics", args=[match.public_id])
    assert url in page
    response = client.get(url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.start == timezone.localtime(match.first_meeting_at).replace(microsecond=0)
    assert str(event["SUMMARY"]) == "Ressursvenner: møte"
    text = response.content.decode()
    assert "Hemmeligveien" not in text and match.referral.alias not in text

    # Only her own, and only while the first meeting is planned.
    other = make_match(make_volunteer(oslo), status=MatchStatus.FIRST_MEETING_PLANNED)
    assert client.get(reverse("my_first_meeting_ics", args=[other.public_id])).status_code == 404
    match.status = MatchStatus.ACTIVE
    match.save()
    assert client.get(url).status_code == 404


def test_the_end_form_is_written_once_for_every_match_page_and_afresh_with_her_errors(
    client, oslo, coordinator_oslo, make_volunteer, make_match, monkeypatch
):
    """The form that ends a match is the same on every active match's end page: crispy writes it
    once (a language, a day) and the pages share it. What she typed, with its errors, is
    written afresh."""
    from crispy_forms.utils import render_crispy_form
    from django.test.html import parse_html

    from matching.forms import EndForm
    from matching.templatetags import matching_tags

    first, second = (make_match(make_volunteer(oslo)) for _ in range(2))
    login(client, coordinator_oslo)
    matching_tags._BLANK_FORMS.clear()
    written = []
    monkeypatch.setattr(
        matching_tags,
        "render_crispy_form",
        lambda form: written.append(form) or render_crispy_form(form),
    )
    pages = [
        client.get(reverse("match_end", args=[match.public_id])).content.decode()
        for match in (first, second)
    ]
    assert len(written) == 1
    alone = render_crispy_form(EndForm(initial={"ended_on": timezone.localdate()}))
    for html in pages:
        assert alone in html
    assert parse_html(alone) == parse_html(
        str(matching_tags.crispy_blank(EndForm(initial={"ended_on": timezone.localdate()})))
    )
    # Ended without the outcome: refused, her choices kept and the error shown.
    response = client.post(
        reverse("match_end", args=[first.public_id]),
        {
            "ended_on": timezone.localdate().isoformat(),
            "end_planned": "no",
            "end_initiated_by": "woman",
        },
    )
    html = response.content.decode()
    assert "Registrer om hun flyttet tilbake til overgriper (ja, nei eller ukjent)." in html
    assert 'value="woman" selected' in html
    assert Match.objects.get(pk=first.pk).status == MatchStatus.ACTIVE
    assert len(written) == 2  # the bound form, afresh
