"""Ending a match: the page asks first; an early end cancels the follow-ups not yet held and
moves the closing conversation; a referral whose closure says a new match is right for her is
reopened in one step, with her consent given again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.dates import add_years
from matching import services
from matching.models import (
    FollowUp,
    FollowUpKind,
    Match,
    MatchStatus,
    ReferralEvent,
    ReferralStatus,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db

OUTCOME = {
    "end_planned": "no",
    "end_initiated_by": "woman",
    "end_reason": "moved",
    "outcome_moved_back": "no",
    "outcome_housing": "yes",
    "outcome_work_or_study": "unknown",
    "outcome_network": "unknown",
}


@pytest.fixture
def running(oslo, make_volunteer, make_match):
    """make(days_ago): an active match that started `days_ago` days ago, its follow-ups planned."""

    def make(days_ago: int) -> Match:
        match = make_match(make_volunteer(oslo))
        match.started_on = timezone.localdate() - timedelta(days=days_ago)
        match.planned_end_on = add_years(match.started_on, 1)
        match.save()
        services.follow_ups_plan(match)
        return match

    return make


def _end(client, match, **fields):
    return client.post(
        reverse("match_end", args=[match.public_id]),
        {"ended_on": timezone.localdate().isoformat(), **OUTCOME, **fields},
    )


def test_ending_asks_first_and_ends_only_on_post(client, coordinator_oslo, running):
    match = running(100)
    login(client, coordinator_oslo)
    page = client.get(match.get_absolute_url()).content.decode()
    confirm_url = reverse("match_end", args=[match.public_id])
    assert confirm_url in page
    # The match page no longer ends it straight away: a post to the old step changes nothing.
    client.post(reverse("match_action", args=[match.public_id, "end"]), OUTCOME)
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ACTIVE

    response = client.get(confirm_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Avslutt koblingen" in html and "Behold koblingen" in html
    assert "avslutningssamtalen flyttes til sluttdatoen" in html
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ACTIVE

    response = _end(client, match)
    assert response.status_code == 302 and response.url == match.get_absolute_url()
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ENDED
    # Ended, the page says so instead of offering to end it again.
    assert (
        "Bare en aktiv kobling eller en kobling som er satt på pause, kan avsluttes."
        in client.get(confirm_url).content.decode()
    )


def test_a_refused_end_keeps_her_choices_next_to_the_field(client, coordinator_oslo, running):
    match = running(100)
    login(client, coordinator_oslo)
    fields = {**OUTCOME, "outcome_moved_back": ""}
    response = _end(client, match, **fields)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Registrer om hun flyttet tilbake til overgriper (ja, nei eller ukjent)." in html
    assert 'value="moved" selected' in html
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ACTIVE


def test_an_early_end_cancels_the_follow_ups_not_held_and_moves_the_closing_conversation(
    client, coordinator_oslo, running
):
    match = running(100)  # the two-week and one-month conversations are due by now
    today = timezone.localdate()
    held = FollowUp.objects.get(match=match, kind=FollowUpKind.TWO_WEEKS)
    services.follow_up_record(
        follow_up=held, by=coordinator_oslo, on=today - timedelta(days=80), with_whom=1, note=""
    )
    login(client, coordinator_oslo)
    response = _end(client, match)
    follow_ups = {f.kind: f for f in FollowUp.objects.filter(match=match)}
    # Nothing deleted: the held one stays held, the rest not held are cancelled today.
    assert len(follow_ups) == 6
    assert follow_ups["2w"].done_on and not follow_ups["2w"].cancelled_on
    for kind in ("1m", "3m", "6m", "9m"):
        assert follow_ups[kind].cancelled_on == today and not follow_ups[kind].done_on
    closing = follow_ups[FollowUpKind.CLOSING]
    assert (closing.due_on, closing.cancelled_on) == (today, None)
    # She is told; the page shows them cancelled; they are no longer due.
    page = client.get(response.url).content.decode()
    assert "avslutningssamtalen er flyttet til" in page
    assert "Avlyst" in page and "koblingen ble avsluttet før tiden" in page
    later = today + timedelta(days=400)
    assert not FollowUp.objects.due(by_date=later).filter(match=match)
    # The closing conversation, moved to the end date, is still due: reminded and counted on
    # her start page, though the match has ended.
    assert list(FollowUp.objects.due(by_date=today).filter(match=match)) == [closing]
    from matching.selectors import matches_follow_up_due

    assert list(matches_follow_up_due(coordinator_oslo)) == [match]
    # A cancelled conversation is neither recorded nor moved.
    with pytest.raises(services.MatchingError):
        services.follow_up_record(
            follow_up=follow_ups["1m"], by=coordinator_oslo, on=today, with_whom=1, note=""
        )
    with pytest.raises(services.MatchingError):
        services.follow_up_reschedule(follow_up=follow_ups["3m"], due_on=today)
    # The closing conversation can still be held.
    services.follow_up_record(
        follow_up=closing, by=coordinator_oslo, on=today, with_whom=1, note=""
    )


def test_a_match_that_ends_at_its_planned_end_keeps_its_follow_ups(coordinator_oslo, running):
    match = running(366)  # its year is over
    planned_end = match.planned_end_on
    before = {f.kind: (f.due_on, f.done_on) for f in FollowUp.objects.filter(match=match)}
    services.match_end(
        match=match, ended_on=planned_end, by=coordinator_oslo, outcome_moved_back="no"
    )
    match.refresh_from_db()
    assert not services.match_ended_early(match)
    after = FollowUp.objects.filter(match=match)
    assert not after.filter(cancelled_on__isnull=False).exists()
    assert {f.kind: (f.due_on, f.done_on) for f in after} == before
    assert after.get(kind=FollowUpKind.CLOSING).due_on == planned_end


def _ended(running, coordinator, *, new_match: bool) -> Match:
    match = running(100)
    services.match_end(
        match=match,
        ended_on=timezone.localdate(),
        by=coordinator,
        outcome_moved_back="no",
        new_match_for_woman=new_match,
    )
    match.refresh_from_db()
    return match


def test_a_referral_is_reopened_in_one_step_with_her_consent_given_again(
    client, coordinator_oslo, shelter_worker_oslo, running
):
    match = _ended(running, coordinator_oslo, new_match=True)
    referral = match.referral
    assert referral.status == ReferralStatus.ENDED and referral.closed_at
    login(client, coordinator_oslo)
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Gjenåpne henvisningen for en ny kobling" in page
    consent_on = timezone.localdate() - timedelta(days=1)

    def told_to_shelter() -> int:
        from notifications.models import Notification

        return Notification.objects.filter(
            kind="referral_status", shelter=referral.shelter, recipient=shelter_worker_oslo
        ).count()

    told_before = told_to_shelter()
    response = client.post(
        reverse("match_action", args=[match.public_id, "reopen"]),
        {"consent_again": "on", "consent_on": consent_on.isoformat()},
    )
    assert response.status_code == 302 and response.url == referral.get_absolute_url()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.BEING_MATCHED
    assert referral.closed_at is None
    assert (referral.consent_on, referral.consent_recorded_by) == (consent_on, coordinator_oslo)
    last = referral.events.order_by("at", "id").last()
    assert (last.kind, last.status, last.by) == (
        ReferralEvent.Kind.REOPENED,
        ReferralStatus.BEING_MATCHED,
        coordinator_oslo,
    )
    history = client.get(referral.get_absolute_url()).content.decode()
    assert "Gjenåpnet for en ny kobling, med nytt samtykke fra henne" in history
    # The shelter that referred her is told (by the kind alone: no alias, no reason).
    assert told_to_shelter() == told_before + 1
    # It waits for a volunteer again, and a new match can be proposed.
    assert referral in services.Referral.objects.waiting()
    # Offered no more: it is open.
    assert "Gjenåpne henvisningen" not in client.get(match.get_absolute_url()).content.decode()


def test_reopening_without_her_consent_again_is_refused_next_to_the_field(
    client, coordinator_oslo, running
):
    match = _ended(running, coordinator_oslo, new_match=True)
    referral = match.referral
    before = (referral.status, referral.consent_on, referral.events.count())
    login(client, coordinator_oslo)
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = client.post(
        reverse("match_action", args=[match.public_id, "reopen"]), {"consent_on": day}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bekreft at hun har samtykket på nytt." in html
    assert 'id="error_1_id_consent_again"' in html or "invalid-feedback" in html
    assert f'value="{day}"' in html  # what she typed is kept
    referral.refresh_from_db()
    assert (referral.status, referral.consent_on, referral.events.count()) == before
    with pytest.raises(services.MatchingError):
        services.referral_reopen(
            referral=referral,
            consent_again=False,
            consent_on=timezone.localdate(),
            by=coordinator_oslo,
        )


def test_a_referral_is_not_reopened_when_the_closure_said_no_new_match(
    client, coordinator_oslo, running
):
    match = _ended(running, coordinator_oslo, new_match=False)
    login(client, coordinator_oslo)
    assert "Gjenåpne henvisningen" not in client.get(match.get_absolute_url()).content.decode()
    response = client.post(
        reverse("match_action", args=[match.public_id, "reopen"]),
        {"consent_again": "on", "consent_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    match.referral.refresh_from_db()
    assert match.referral.status == ReferralStatus.ENDED
