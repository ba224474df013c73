"""The reminder catalogue: each rule fires when due, each reminder goes out once and only once,
the weekly digest, and the sweep's fixed number of queries."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from courses.models import Course, Enrolment, EnrolmentStatus, Session
from courses.reminders import SESSION_SOON
from matching import services
from matching.models import MatchStatus, ReferralStatus
from matching.reminders import (
    FOLLOW_UP_DUE,
    MATCH_ENDING,
    NO_MEETING_COORDINATOR,
    NO_MEETING_VOLUNTEER,
    REFERRAL_WAITING,
    TRY_AGAIN,
)
from notifications.models import Notification, ReminderSent
from notifications.reminders import all_rules, digests_send, sweep
from volunteers.models import CommitmentPeriod
from volunteers.reminders import APPLICATION_WAITING, COMMITMENT_ENDING

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


@pytest.fixture
def nora(oslo, volunteer_oslo, make_volunteer):
    return make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)


def running(make_match, person, *, started_days_ago: int):
    match = make_match(person, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=started_days_ago)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    return match


def test_no_meeting_for_14_days_reminds_her_and_28_days_the_coordinator(
    nora, volunteer_oslo, coordinator_oslo, make_match
):
    today = timezone.localdate()
    match = running(make_match, nora, started_days_ago=20)
    sweep(today=today)
    assert kinds_for(volunteer_oslo) == [NO_MEETING_VOLUNTEER]
    assert kinds_for(coordinator_oslo) == []
    sweep(today=today + timedelta(days=10))  # 30 days without a meeting
    assert kinds_for(coordinator_oslo) == [NO_MEETING_COORDINATOR]
    assert kinds_for(volunteer_oslo) == [NO_MEETING_VOLUNTEER]  # not again for the same silence
    # She logs a meeting: nothing more until she is quiet again, then a new reminder.
    services.meeting_log(
        match=match, by=volunteer_oslo, day=today, met=True, minutes=30, activities=1
    )
    sweep(today=today + 1 * timedelta(days=10))
    assert kinds_for(volunteer_oslo) == [NO_MEETING_VOLUNTEER]
    sweep(today=today + timedelta(days=15))
    assert kinds_for(volunteer_oslo) == [NO_MEETING_VOLUNTEER, NO_MEETING_VOLUNTEER]


def test_a_failed_attempt_gets_a_gentle_try_again_after_3_days(nora, volunteer_oslo, make_match):
    match = running(make_match, nora, started_days_ago=10)
    services.meeting_log(
        match=match,
        by=volunteer_oslo,
        day=timezone.localdate() - timedelta(days=2),
        met=False,
        minutes=None,
        activities=0,
    )
    sweep()
    assert TRY_AGAIN not in kinds_for(volunteer_oslo)
    sweep(today=timezone.localdate() + timedelta(days=1))
    assert TRY_AGAIN in kinds_for(volunteer_oslo)


def test_coordinator_reminders_for_applications_referrals_follow_ups_and_endings(
    oslo, coordinator_oslo, nora, make_referral, make_match
):
    from tests.factories import volunteer

    applicant = volunteer(oslo)
    applicant.applied_at = timezone.now() - timedelta(days=8)
    applicant.save()
    make_referral(oslo, status=ReferralStatus.RECEIVED, days_ago=5)
    match = running(make_match, nora, started_days_ago=340)
    services.follow_ups_plan(match)
    sweep()
    kinds = kinds_for(coordinator_oslo)
    for kind in (
        APPLICATION_WAITING,
        REFERRAL_WAITING,
        FOLLOW_UP_DUE,
        MATCH_ENDING,
    ):
        assert kind in kinds, kind


def test_commitments_ending_remind_the_coordinator_and_the_volunteer(
    nora, volunteer_oslo, coordinator_oslo
):
    CommitmentPeriod.objects.filter(volunteer=nora).update(
        ends_on=timezone.localdate() + timedelta(days=20)
    )
    sweep()
    assert COMMITMENT_ENDING in kinds_for(volunteer_oslo)
    assert COMMITMENT_ENDING in kinds_for(coordinator_oslo)


def test_a_course_session_in_two_days(oslo, nora, volunteer_oslo):
    day = timezone.localdate() + timedelta(days=2)
    session = Session.objects.create(
        course=Course.objects.get(required_for_matching=True),
        association=oslo,
        starts_at=timezone.make_aware(datetime.combine(day, time(18))),
        ends_at=timezone.make_aware(datetime.combine(day, time(20))),
        place="Lokalet",
        capacity=5,
    )
    Enrolment.objects.create(session=session, volunteer=nora, status=EnrolmentStatus.ENROLLED)
    sweep()
    assert kinds_for(volunteer_oslo) == [SESSION_SOON]


def test_each_reminder_goes_out_once_however_often_the_sweep_runs(
    nora, volunteer_oslo, coordinator_oslo, make_match, django_capture_on_commit_callbacks
):
    running(make_match, nora, started_days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep()
        second = sweep()
        call_command("send_reminders", stdout=StringIO())
    assert sum(first.sent.values()) == 2
    assert sum(second.sent.values()) == 0
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [volunteer_oslo.email, coordinator_oslo.email]
    )
    assert ReminderSent.objects.count() == 2


def test_a_coordinator_with_the_weekly_digest_gets_one_email_on_monday(
    nora, coordinator_oslo, make_match, django_capture_on_commit_callbacks
):
    coordinator_oslo.weekly_digest = True
    coordinator_oslo.save()
    running(make_match, nora, started_days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    assert kinds_for(coordinator_oslo) == [NO_MEETING_COORDINATOR]  # still in her bell
    assert coordinator_oslo.email not in [m.to[0] for m in mail.outbox]
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
        assert digests_send() == 0
    digest = [m for m in mail.outbox if m.to == [coordinator_oslo.email]]
    assert len(digest) == 1 and "1 påminnelse" in digest[0].body


def test_concerns_are_never_held_for_the_digest(
    nora, volunteer_oslo, coordinator_oslo, make_match, django_capture_on_commit_callbacks
):
    coordinator_oslo.weekly_digest = True
    coordinator_oslo.save()
    match = running(make_match, nora, started_days_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_log(
            match=match,
            by=volunteer_oslo,
            day=timezone.localdate(),
            met=True,
            minutes=30,
            activities=1,
            concern="Bekymret.",
        )
    assert [m.to for m in mail.outbox] == [[coordinator_oslo.email]]


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(nora, make_match):
    running(make_match, nora, started_days_ago=30)
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "matching.no_meeting_volunteer: 1 would be sent" in out.getvalue()
    assert "nothing was sent" in out.getvalue()
    assert not Notification.objects.exists() and not ReminderSent.objects.exists()


def test_reminders_say_nothing_but_that_there_is_a_task(
    nora, make_match, django_capture_on_commit_callbacks
):
    match = running(make_match, nora, started_days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    for message in mail.outbox:
        text = message.subject + message.body
        assert match.referral.alias not in text and "Nora" not in text


def test_the_sweep_makes_the_same_number_of_queries_for_few_and_many(
    oslo, make_volunteer, make_match, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    running(make_match, make_volunteer(oslo), started_days_ago=30)
    ReminderSent.objects.all().delete()
    with CaptureQueriesContext(connection) as few:
        sweep()
    for _n in range(8):
        running(make_match, make_volunteer(oslo), started_days_ago=30)
    with CaptureQueriesContext(connection) as many:
        sweep()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(all_rules()) == 14
