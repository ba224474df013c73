"""Six months later: the main outcome asked again on the ended match (issue 19, item 3): the
form from 182 days after the end, the reminder to its coordinators, and the erasure that waits
for it (at most 182 + 30 days) and keeps the answer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.retention import run_all
from matching.models import LATER_OUTCOME_DAYS, Match, MatchStatus, Referral, ReferralStatus
from matching.reminders import LATER_OUTCOME
from notifications.models import Notification, ReminderSent
from notifications.reminders import all_rules, sweep
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(oslo, volunteer_oslo, make_volunteer, make_match, make_referral):
    """An ended match of Oslo's (her referral ended, with a safety note to erase)."""
    nora = make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email)
    referral = make_referral(oslo, status=ReferralStatus.ENDED, safety_notes="SENTINEL")
    match = make_match(nora, status=MatchStatus.ENDED, referral=referral)

    def ended_days_ago(days: int) -> Match:
        Match.objects.filter(pk=match.pk).update(
            ended_on=timezone.localdate() - timedelta(days=days)
        )
        match.refresh_from_db()
        return match

    return ended_days_ago


def _record(client, match, answer="no"):
    url = reverse("match_action", args=[match.public_id, "later"])
    return client.post(url, {"later_moved_back": answer}, follow=True)


def test_the_form_is_refused_before_six_months(client, coordinator_oslo, ended):
    match = ended(LATER_OUTCOME_DAYS - 1)
    login(client, coordinator_oslo)
    client.cookies["rv_language"] = "en"
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Six months later: has she moved back to the abuser?" not in page
    response = _record(client, match, "yes")
    assert "The outcome six months later can be recorded from" in response.content.decode()
    match.refresh_from_db()
    assert match.later_moved_back == "" and match.later_recorded_on is None


def test_a_coordinator_records_it_and_corrects_it(client, coordinator_oslo, ended):
    match = ended(LATER_OUTCOME_DAYS)
    login(client, coordinator_oslo)
    client.cookies["rv_language"] = "en"
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Six months later: has she moved back to the abuser?" in page
    response = _record(client, match, "yes")
    assert "The outcome six months later is recorded." in response.content.decode()
    match.refresh_from_db()
    assert (match.later_moved_back, match.later_recorded_on, match.later_recorded_by) == (
        "yes",
        timezone.localdate(),
        coordinator_oslo,
    )
    assert match.outcome_moved_back == "no"  # the outcome at closure stays as it was
    _record(client, match, "unknown")
    match.refresh_from_db()
    assert match.later_moved_back == "unknown"
    # Not an answer: nothing changes.
    _record(client, match, "kanskje")
    match.refresh_from_db()
    assert match.later_moved_back == "unknown"


@pytest.mark.parametrize("who", ["coordinator_bergen", "volunteer_oslo"])
def test_nobody_else_finds_it(client, ended, who, request):
    match = ended(LATER_OUTCOME_DAYS + 5)
    user = request.getfixturevalue(who)
    login(client, user)
    response = client.post(
        reverse("match_action", args=[match.public_id, "later"]), {"later_moved_back": "yes"}
    )
    assert response.status_code in (403, 404)
    if who == "coordinator_bergen":
        assert response.status_code == 404
    match.refresh_from_db()
    assert match.later_moved_back == ""


def _rule():
    [rule] = [r for r in all_rules() if r.name == "matching.later_outcome"]
    return rule


def test_the_reminder_goes_once_at_six_months_and_not_before(coordinator_oslo, ended):
    match = ended(LATER_OUTCOME_DAYS - 1)
    sweep(rules=[_rule()])
    assert not Notification.objects.filter(kind=LATER_OUTCOME).exists()
    ended(LATER_OUTCOME_DAYS)
    sweep(rules=[_rule()])
    sweep(rules=[_rule()])
    [notice] = Notification.objects.filter(kind=LATER_OUTCOME)
    assert notice.recipient == coordinator_oslo
    assert notice.link == match.get_absolute_url()
    assert notice.reference == match.referral.case_ref
    assert ReminderSent.objects.filter(rule="matching.later_outcome").count() == 1


def test_recording_it_marks_the_reminder_done(client, coordinator_oslo, ended):
    match = ended(LATER_OUTCOME_DAYS)
    sweep(rules=[_rule()])
    login(client, coordinator_oslo)
    _record(client, match)
    assert Notification.objects.get(kind=LATER_OUTCOME).read_at is not None


def _erased(match) -> bool:
    return Referral.objects.get(pk=match.referral_id).erased_at is not None


def test_the_erasure_waits_for_it_when_it_is_not_recorded(ended):
    ended(183)
    run_all()
    match = ended(211)
    run_all()
    assert not _erased(match)
    assert Referral.objects.get(pk=match.referral_id).safety_notes == "SENTINEL"
    match = ended(212)
    run_all()
    assert _erased(match)


def test_once_recorded_the_normal_rule_applies_and_the_answer_is_kept(
    client, coordinator_oslo, ended
):
    match = ended(LATER_OUTCOME_DAYS)
    login(client, coordinator_oslo)
    _record(client, match, "no")
    run_all()
    assert not _erased(match)  # 182 days: not yet
    match = ended(183)
    run_all()
    assert _erased(match)
    match.refresh_from_db()
    assert (match.later_moved_back, match.later_recorded_on) == ("no", timezone.localdate())
    # Erased: the form is gone and refused.
    client.cookies["rv_language"] = "en"
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Six months later: has she moved back to the abuser?" not in page
    assert "Her data is erased" in _record(client, match, "yes").content.decode()
    match.refresh_from_db()
    assert match.later_moved_back == "no"
