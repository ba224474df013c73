"""Meeting logs from the phone, concerns that alert at once, follow-up conversations, and the
emergency page."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching import services
from matching.models import Concern, FollowUp, Match, MatchStatus, Meeting
from matching.notifications import CONCERN
from matching.selectors import inactive_matches
from notifications.models import Notification, OutboxMessage
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_match(oslo, volunteer_oslo, make_volunteer, make_match):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=30)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    return match


def log(client, **overrides):
    data = {
        "day": timezone.localdate().isoformat(),
        "met": "yes",
        "duration": "60",
        "activities": ["1", "8"],
        "note": "",
        "concern": "",
    }
    data.update(overrides)
    return client.post(reverse("meeting_log"), data)


def test_a_volunteer_logs_a_meeting_from_her_phone(client, active_match, volunteer_oslo):
    login(client, volunteer_oslo)
    page = client.get(reverse("meeting_log")).content.decode()
    assert "Ikke skriv navn, adresser eller detaljer om volden." in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # today by default
    response = log(client)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.match, meeting.met, meeting.minutes, meeting.activities) == (
        active_match,
        True,
        60,
        9,
    )
    assert meeting.created_by == volunteer_oslo


def test_an_attempt_that_did_not_reach_her_needs_no_duration(client, active_match, volunteer_oslo):
    login(client, volunteer_oslo)
    log(client, met="no", duration="", activities=[])
    meeting = Meeting.objects.get()
    assert (meeting.met, meeting.minutes) == (False, None)


def test_the_form_fits_a_phone_with_today_an_hour_and_the_worry_closed(
    client, active_match, volunteer_oslo
):
    login(client, volunteer_oslo)
    page = client.get(reverse("meeting_log")).content.decode()
    assert re.search(r'<input[^>]*name="duration"[^>]*value="60"[^>]*checked', page)
    assert re.search(r'<details class="concern-box"\s*>', page)  # closed
    assert "Nådde henne ikke" in page


@pytest.mark.parametrize(
    ("duration", "other_minutes", "shown", "not_shown"),
    [
        ("120", "", "2 timer", "120 minutter"),
        ("60", "", "1 time", "60 minutter"),
        ("30", "", "30 min", "30 minutter"),
        ("other", "45", "45 minutter", "45 min<"),
        ("other", "120", "2 timer", "120 minutter"),
    ],
)
def test_a_duration_is_shown_as_she_chose_it_in_her_list_and_on_the_match_page(
    client,
    active_match,
    volunteer_oslo,
    coordinator_oslo,
    duration,
    other_minutes,
    shown,
    not_shown,
):
    login(client, volunteer_oslo)
    log(client, duration=duration, other_minutes=other_minutes)
    mine = client.get(reverse("my_meetings")).content.decode()
    assert shown in mine and not_shown not in mine
    login(client, coordinator_oslo)
    match_page = client.get(active_match.get_absolute_url()).content.decode()
    assert shown in match_page and not_shown not in match_page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"day": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "Datoen kan ikke være fram i tid.",
        ),
        (
            {"day": (timezone.localdate() - timedelta(days=60)).isoformat()},
            "kan ikke være før koblingen startet",
        ),
        ({"duration": "other", "other_minutes": "0"}, "mellom 1 minutt og 24 timer"),
        ({"duration": "other", "other_minutes": "1441"}, "mellom 1 minutt og 24 timer"),
        ({"duration": "other", "other_minutes": ""}, "Skriv hvor mange minutter."),
        ({"note": "x" * 501}, "500"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(
    client, active_match, volunteer_oslo, overrides, message
):
    login(client, volunteer_oslo)
    response = log(client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_concern_alerts_the_coordinators_at_once_and_says_nothing_but_that(
    client, active_match, volunteer_oslo, coordinator_oslo, oslo, django_capture_on_commit_callbacks
):
    second = person(Role.COORDINATOR, place=oslo, email="stedfortreder@oslo.example")
    login(client, volunteer_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        log(client, concern="HEMMELIG: hun ble fulgt etter av en mann i bil.")
    concern = Concern.objects.get()
    assert concern.match == active_match and concern.meeting == Meeting.objects.get()
    for coordinator in (coordinator_oslo, second):
        note = Notification.objects.get(recipient=coordinator)
        assert note.kind == CONCERN
        assert note.link == reverse("concern_detail", args=[concern.public_id])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator_oslo.email, second.email])
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        assert (
            "HEMMELIG" not in text and "bil" not in text and active_match.referral.alias not in text
        )
        assert "bekymring" in text
    # The email's content is erased from the outbox once sent.
    assert all(m.context == {} for m in OutboxMessage.objects.all())


def test_the_coordinator_follows_a_concern_up_and_it_leaves_her_start_page(
    client, active_match, coordinator_oslo, volunteer_oslo
):
    meeting = services.meeting_log(
        match=active_match,
        by=volunteer_oslo,
        day=timezone.localdate(),
        met=True,
        minutes=60,
        activities=1,
        concern="Bekymret.",
    )
    concern = meeting.concern
    login(client, coordinator_oslo)
    assert "1 bekymring er ikke fulgt opp" in client.get("/").content.decode()
    response = client.post(reverse("concern_detail", args=[concern.public_id]), {"note": ""})
    assert response.status_code == 200
    client.post(
        reverse("concern_detail", args=[concern.public_id]), {"note": "Ringte henne, alt i orden."}
    )
    concern.refresh_from_db()
    assert (
        concern.followed_up_by == coordinator_oslo
        and concern.follow_up_note == "Ringte henne, alt i orden."
    )
    assert "ikke fulgt opp" not in client.get("/").content.decode()


def test_she_can_correct_her_entry_for_7_days_then_it_is_locked(
    client, active_match, volunteer_oslo
):
    meeting = services.meeting_log(
        match=active_match,
        by=volunteer_oslo,
        day=timezone.localdate(),
        met=True,
        minutes=60,
        activities=1,
    )
    login(client, volunteer_oslo)
    client.post(
        reverse("meeting_edit", args=[meeting.public_id]),
        {
            "day": timezone.localdate().isoformat(),
            "met": "yes",
            "duration": "120",
            "activities": ["2"],
        },
    )
    meeting.refresh_from_db()
    assert meeting.minutes == 120
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - timedelta(days=8))
    client.post(
        reverse("meeting_edit", args=[meeting.public_id]),
        {
            "day": timezone.localdate().isoformat(),
            "met": "yes",
            "duration": "30",
            "activities": ["2"],
        },
    )
    meeting.refresh_from_db()
    assert meeting.minutes == 120
    with pytest.raises(services.MatchingError, match="låst"):
        services.meeting_update(
            meeting=meeting, by=volunteer_oslo, day=meeting.date, met=True, minutes=30, activities=1
        )


def test_the_lock_and_its_message_follow_the_setting(
    client, active_match, volunteer_oslo, settings
):
    settings.MEETING_EDIT_DAYS = 3
    meeting = services.meeting_log(
        match=active_match,
        by=volunteer_oslo,
        day=timezone.localdate(),
        met=True,
        minutes=60,
        activities=1,
    )
    Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - timedelta(days=4))
    with pytest.raises(services.MatchingError, match="kan endres i 3 dager etter"):
        services.meeting_update(
            meeting=meeting, by=volunteer_oslo, day=meeting.date, met=True, minutes=30, activities=1
        )
    login(client, volunteer_oslo)
    response = client.get(reverse("meeting_edit", args=[meeting.public_id]), follow=True)
    assert "kan endres i 3 dager etter" in response.content.decode()


def test_logging_on_an_ended_match_or_another_volunteers_match_is_refused(
    client, active_match, oslo, make_volunteer, make_match
):
    active_match.status = MatchStatus.ENDED
    active_match.outcome_moved_back = "no"
    active_match.save()
    with pytest.raises(services.MatchingError, match="bare logges mens koblingen er aktiv"):
        services.meeting_log(
            match=active_match,
            by=None,
            day=timezone.localdate(),
            met=True,
            minutes=30,
            activities=0,
        )
    stranger = person(Role.VOLUNTEER, place=oslo)
    make_volunteer(oslo, user=stranger)
    login(client, stranger)
    html = log(client).content.decode()
    assert "Du har ingen aktiv kobling" in html
    assert not Meeting.objects.exists()


def test_who_sees_meetings(
    active_match,
    volunteer_oslo,
    coordinator_oslo,
    coordinator_bergen,
    shelter_worker_oslo,
    national_admin,
):
    services.meeting_log(
        match=active_match,
        by=volunteer_oslo,
        day=timezone.localdate(),
        met=True,
        minutes=30,
        activities=1,
    )
    for user in (coordinator_oslo, volunteer_oslo):
        user._acting_membership = user.memberships.get()
        assert Meeting.objects.for_user(user).count() == 1
    for user in (coordinator_bergen, shelter_worker_oslo, national_admin):
        user._acting_membership = user.memberships.get()
        assert Meeting.objects.for_user(user).count() == 0


def test_activation_plans_the_follow_ups_and_the_coordinator_records_or_moves_them(
    client, oslo, coordinator_oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, status="being_matched")
    volunteer = make_volunteer(oslo)
    match = services.match_propose(referral=referral, volunteer=volunteer, by=coordinator_oslo)
    services.match_confirm_conflict_check(match=match, by=coordinator_oslo)
    services.match_plan_first_meeting(
        match=match, at=timezone.now(), place="Krisesenteret", by=coordinator_oslo
    )
    start = timezone.localdate()
    services.match_activate(match=match, started_on=start, by=coordinator_oslo)
    due = {f.kind: f.due_on for f in FollowUp.objects.filter(match=match)}
    assert due == {
        "2w": start + timedelta(days=14),
        "1m": start + timedelta(days=30),
        "3m": start + timedelta(days=91),
        "6m": start + timedelta(days=182),
        "9m": start + timedelta(days=273),
        "closing": Match.objects.get(pk=match.pk).planned_end_on,
    }
    first = FollowUp.objects.get(match=match, kind="2w")
    login(client, coordinator_oslo)
    client.post(
        reverse("follow_up_action", args=[first.public_id, "record"]),
        {
            f"f{first.pk}-on": start.isoformat(),
            f"f{first.pk}-with_whom": ["1", "4"],
            f"f{first.pk}-note": "Godt i gang.",
        },
    )
    first.refresh_from_db()
    assert (first.done_on, first.with_whom, first.done_by) == (start, 5, coordinator_oslo)
    second = FollowUp.objects.get(match=match, kind="1m")
    client.post(
        reverse("follow_up_action", args=[second.public_id, "move"]),
        {f"r{second.pk}-due_on": (start + timedelta(days=40)).isoformat()},
    )
    second.refresh_from_db()
    assert second.due_on == start + timedelta(days=40)


def test_the_match_page_writes_each_follow_ups_forms_as_crispy_writes_them(
    client, active_match, coordinator_oslo
):
    """The forms of the follow-ups are written once and filled in for each (their prefix and
    due date): the same HTML as each form of its own through crispy, field ids and all."""
    from crispy_forms.utils import render_crispy_form
    from django.test.html import parse_html

    from matching.forms import FollowUpForm, RescheduleForm

    today = timezone.localdate()
    for n, kind in enumerate(("2w", "1m", "3m", "6m")):
        FollowUp.objects.create(match=active_match, kind=kind, due_on=today + timedelta(days=n))
    login(client, coordinator_oslo)
    response = client.get(active_match.get_absolute_url())
    shown = response.context["follow_ups"]
    assert [f.kind for f, _record, _move in shown] == ["2w", "1m", "3m", "6m"]
    html = response.content.decode()
    for follow_up, record, move in shown:
        # From one month on, with the questions about how the pair is doing.
        ask = follow_up.kind != "2w"
        alone = FollowUpForm(prefix=f"f{follow_up.pk}", initial={"on": today}, ask=ask)
        assert parse_html(record) == parse_html(render_crispy_form(alone))
        alone = RescheduleForm(prefix=f"r{follow_up.pk}", initial={"due_on": follow_up.due_on})
        assert parse_html(move) == parse_html(render_crispy_form(alone))
        assert f'id="id_f{follow_up.pk}-on"' in html and f'name="r{follow_up.pk}-due_on"' in html
        assert f'value="{follow_up.due_on.isoformat()}"' in move
    assert "__prefix__" not in html and "__due_on__" not in html


def test_an_inactive_match_is_defined_once(active_match, volunteer_oslo):
    today = timezone.localdate()
    matches = Match.objects.all()
    assert list(inactive_matches(matches, days=14, today=today)) == [
        active_match
    ]  # started 30 days ago, nothing logged
    services.meeting_log(
        match=active_match,
        by=volunteer_oslo,
        day=today - timedelta(days=10),
        met=False,
        minutes=None,
        activities=0,
    )
    assert not inactive_matches(
        matches, days=14, today=today
    ).exists()  # an attempt counts as contact
    assert list(inactive_matches(matches, days=7, today=today)) == [active_match]
    active_match.status = MatchStatus.PAUSED
    active_match.save()
    assert not inactive_matches(matches, days=7, today=today).exists()  # paused is not inactive


def test_the_emergency_page_gives_112_the_shelter_and_the_coordinators(
    client, active_match, volunteer_oslo, coordinator_oslo
):
    coordinator_oslo.phone = "+47 400 00 011"
    coordinator_oslo.save()
    login(client, volunteer_oslo)
    html = client.get(reverse("emergency")).content.decode()
    for number in ("112", "113", "116006", "116111"):  # each a button she can tap
        assert f'href="tel:{number}"' in html
    assert 'help-link active" href="/min-side/hjelp/" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1  # not "My page" as well
    # Shown as people read them, dialled in E.164.
    assert active_match.referral.shelter.phone.as_e164 == "+4722000000"
    assert 'href="tel:+4722000000">22 00 00 00</a>' in html
    assert 'href="tel:+4740000011">40 00 00 11</a>' in html
    # Every volunteer page links to it.
    for name in ("my_page", "my_match", "my_meetings", "my_courses"):
        assert reverse("emergency") in client.get(reverse(name)).content.decode()


def test_before_the_conflict_check_the_emergency_page_does_not_say_where_she_is(
    client, oslo, volunteer_oslo, make_volunteer, make_match
):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    match = make_match(nora, status=MatchStatus.PROPOSED)
    shelter = match.referral.shelter
    login(client, volunteer_oslo)
    html = client.get(reverse("emergency")).content.decode()
    assert shelter.name not in html and "22 00 00 00" not in html

    services.match_confirm_conflict_check(match=match, by=volunteer_oslo)
    html = client.get(reverse("emergency")).content.decode()
    assert shelter.name in html and 'href="tel:+4722000000">22 00 00 00</a>' in html


def test_the_coordinators_of_a_neighbouring_associations_woman_are_hers_to_call(
    client,
    oslo,
    bergen,
    volunteer_oslo,
    coordinator_oslo,
    coordinator_bergen,
    make_volunteer,
    make_referral,
    make_match,
):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    login(client, volunteer_oslo)
    html = client.get(reverse("emergency")).content.decode()
    assert coordinator_oslo.get_full_name() in html
    assert coordinator_bergen.get_full_name() not in html

    make_match(nora, status=MatchStatus.ACTIVE, referral=make_referral(bergen))
    for name in ("emergency", "my_page"):
        html = client.get(reverse(name)).content.decode()
        assert coordinator_oslo.get_full_name() in html
        assert coordinator_bergen.get_full_name() in html


def test_her_start_page_says_the_next_step_of_each_match(
    client, oslo, volunteer_oslo, make_volunteer, make_match
):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    proposed = make_match(nora, status=MatchStatus.PROPOSED)
    planned = make_match(nora, status=MatchStatus.FIRST_MEETING_PLANNED)
    planned.first_meeting_at = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=3), time(18))
    )
    planned.save()
    active = make_match(nora, status=MatchStatus.ACTIVE)
    active.started_on = timezone.localdate() - timedelta(days=20)
    active.save()
    Meeting.objects.create(
        match=active, date=timezone.localdate() - timedelta(days=3), met=True, minutes=60
    )
    login(client, volunteer_oslo)
    html = " ".join(client.get(reverse("my_page")).content.decode().split())
    assert "Et forslag venter på svaret ditt" in html
    day = (timezone.localdate() + timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"Første møte {day} kl. 18:00" in html
    assert "Siste møte logget for 3 dager siden" in html
    assert proposed.referral.alias in html
