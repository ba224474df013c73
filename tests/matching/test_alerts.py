"""What needs her now (issue 17): a concern is never lost among routine notifications, names its
case by a neutral reference (never in an email), and reaches the coordinators present: while one
is away, the others (her stand-ins); with nobody present, the national admins hear of it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence, Role
from matching import services
from matching.models import MatchStatus
from matching.notifications import CONCERN, NEW_REFERRAL
from notifications import services as notification_services
from notifications.models import Notification, OutboxMessage, ReminderSent
from notifications.notices import NOBODY_PRESENT
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db

SECRET = "HEMMELIG: han sto utenfor skolen til barna i dag"


@pytest.fixture
def nora(oslo, volunteer_oslo, make_volunteer):
    return make_volunteer(
        oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email, phone="41234567"
    )


@pytest.fixture
def active_match(nora, make_match, oslo_shelter):
    oslo_shelter.phone = "22 00 20 00"
    oslo_shelter.save()
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=30)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    return match


@pytest.fixture
def berit(oslo):
    """The other coordinator of Oslo: the stand-in."""
    return person(Role.COORDINATOR, place=oslo, first_name="Berit", email="berit@oslo.example")


def away(user, *, days_before: int = 1, days_after: int = 7) -> Absence:
    today = timezone.localdate()
    return Absence.objects.create(
        user=user,
        starts_on=today - timedelta(days=days_before),
        ends_on=today + timedelta(days=days_after),
    )


def raise_concern(match, by):
    return services.concern_raise(match=match, by=by, text=SECRET)


# --- Stand-in ------------------------------------------------------------------------------------


def test_a_concern_raised_while_she_is_away_reaches_her_stand_in_and_not_her(
    active_match, volunteer_oslo, coordinator_oslo, berit, django_capture_on_commit_callbacks
):
    away(coordinator_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(active_match, volunteer_oslo)
    assert list(Notification.objects.filter(kind=CONCERN).values_list("recipient", flat=True)) == [
        berit.pk
    ]
    assert [m.to for m in mail.outbox] == [[berit.email]]
    assert not Notification.objects.filter(kind=NOBODY_PRESENT).exists()


def test_an_absence_that_has_ended_or_not_begun_changes_nothing(
    active_match, volunteer_oslo, coordinator_oslo, berit
):
    away(coordinator_oslo, days_before=10, days_after=-1)  # back yesterday
    away(berit, days_before=-2, days_after=5)  # away from the day after tomorrow
    raise_concern(active_match, volunteer_oslo)
    told = set(Notification.objects.filter(kind=CONCERN).values_list("recipient", flat=True))
    assert told == {coordinator_oslo.pk, berit.pk}


def test_with_every_coordinator_away_the_national_admins_are_told_once_a_day(
    active_match,
    volunteer_oslo,
    coordinator_oslo,
    berit,
    national_admin,
    oslo,
    django_capture_on_commit_callbacks,
):
    away(coordinator_oslo)
    away(berit)
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(active_match, volunteer_oslo)
        raise_concern(active_match, volunteer_oslo)  # a second alert the same day: no repeat
    assert not Notification.objects.filter(kind=CONCERN).exists()  # nobody present to tell
    notice = Notification.objects.get(kind=NOBODY_PRESENT)
    assert (notice.recipient, notice.role, notice.reference) == (
        national_admin,
        Role.NATIONAL_ADMIN,
        oslo.name,
    )
    # The email says only that an association has nobody present: no name, no case.
    [message] = mail.outbox
    assert message.to == [national_admin.email]
    text = message.subject + message.body + message.alternatives[0][0]
    assert oslo.name not in text and SECRET not in text
    assert active_match.referral.case_ref not in text
    assert "ingen koordinator til stede" in text
    # The daily check finds it too, and still tells her once that day; the next day again.
    assert notification_services.nobody_present_check() == 1
    assert Notification.objects.filter(kind=NOBODY_PRESENT).count() == 1
    notification_services.nobody_present_check(today=timezone.localdate() + timedelta(days=1))
    assert Notification.objects.filter(kind=NOBODY_PRESENT).count() == 2
    assert ReminderSent.objects.filter(rule="nobody_present").count() == 2


def test_the_daily_check_names_only_associations_with_nobody_present(
    oslo, bergen, coordinator_oslo, coordinator_bergen, national_admin
):
    away(coordinator_oslo)
    assert notification_services.nobody_present_check() == 1
    assert list(
        Notification.objects.filter(kind=NOBODY_PRESENT).values_list("reference", flat=True)
    ) == [oslo.name]


# --- The list: urgent first, routine grouped, a case by its reference ---------------------------


def test_the_concern_comes_first_marked_urgent_among_grouped_routine_ones(
    client, active_match, volunteer_oslo, coordinator_oslo, make_referral, oslo
):
    for _n in range(3):
        referral = make_referral(oslo)
        notification_services.notify(
            recipients=[coordinator_oslo],
            kind=NEW_REFERRAL,
            link=referral.get_absolute_url(),
            role=Role.COORDINATOR,
            association_id=oslo.pk,
            reference=referral.case_ref,
            email=False,
        )
    raise_concern(active_match, volunteer_oslo)  # the oldest would be last without urgency…
    for _n in range(2):
        notification_services.notify(
            recipients=[coordinator_oslo],
            kind=NEW_REFERRAL,
            link="/",
            role=Role.COORDINATOR,
            association_id=oslo.pk,
            email=False,
        )
    login(client, coordinator_oslo)
    html = client.get(reverse("notification_list")).content.decode()
    urgent = html.index('id="urgent"')
    assert urgent < html.index('id="new"')
    # …but it comes first, in the section that needs her now, marked in words, not colour only.
    section = html[urgent : html.index('id="new"')]
    assert "Må følges opp nå" in section
    assert 'class="notification is-unread is-urgent"' in section
    assert 'class="urgent-label"' in section and "Haster" in section
    assert f"Gjelder: {active_match.referral.case_ref}" in section
    assert re.fullmatch(r"H-[0-9A-F]{6}", active_match.referral.case_ref)
    # The routine ones as one group with its count, opened to its newest or in full.
    assert "5 nye henvisninger" in html
    assert f'href="?type={NEW_REFERRAL.code}"' not in html  # all five are in the group already
    # Never an alias or a name in a row.
    assert active_match.referral.alias not in html
    assert "Nora" not in html


def test_no_email_carries_the_case_reference(
    active_match, volunteer_oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(active_match, volunteer_oslo)
    reference = active_match.referral.case_ref
    assert Notification.objects.get(kind=CONCERN).reference == reference
    [message] = mail.outbox
    text = message.subject + message.body + message.alternatives[0][0]
    assert reference not in text and reference[2:] not in text
    assert active_match.referral.alias not in text
    assert all(reference not in str(m.context) for m in OutboxMessage.objects.all())


# --- The concern page: call at once, and what has been done -------------------------------------


def test_the_concern_page_has_tap_to_call_numbers_and_what_has_been_done(
    client, active_match, volunteer_oslo, coordinator_oslo, berit
):
    away(berit)
    concern = raise_concern(active_match, volunteer_oslo)
    Notification.objects.filter(recipient=coordinator_oslo).update(read_at=timezone.now())
    login(client, coordinator_oslo)
    url = reverse("concern_detail", args=[concern.public_id])
    html = client.get(url).content.decode()
    assert 'href="tel:+4741234567"' in html  # the volunteer
    assert 'href="tel:+4722002000"' in html  # the shelter
    assert active_match.referral.case_ref in html
    done = html[html.index('id="done"') :]
    assert "bekymringen ble meldt" in done
    assert "Hanne" in done and "åpnet det" in done
    assert "Berit" not in done  # away: not told
    client.post(url, {"note": "Ringte Nora, alt i orden."})
    done = client.get(url).content.decode()
    assert "Fulgt opp av" in done and "Ringte Nora, alt i orden." in done


# --- Reminders: to the stand-in, named by the referral's number ----------------------------------


@pytest.mark.parametrize("in_sql", [True, False], ids=["postgresql", "orm"])
def test_a_reminder_goes_to_the_coordinators_present_and_names_the_referral(
    oslo, coordinator_oslo, berit, make_referral, in_sql, monkeypatch
):
    from notifications import reminders

    if not in_sql:
        monkeypatch.setattr(reminders, "_record_and_send_in_sql", reminders._record_and_send_orm)
    referral = make_referral(oslo, days_ago=10)  # received, waiting for a coordinator
    away(coordinator_oslo)
    [rule] = [r for r in reminders.all_rules() if r.name == "matching.referral_waiting"]
    reminders.sweep(rules=[rule])
    [notice] = Notification.objects.filter(kind=rule.kind)
    assert notice.recipient == berit
    assert notice.reference == referral.case_ref
    assert referral.alias not in notice.reference
    # Back from her absence, she is reminded too (once, as every reminder).
    Absence.objects.all().delete()
    reminders.sweep(rules=[rule])
    assert set(Notification.objects.filter(kind=rule.kind).values_list("recipient", flat=True)) == {
        berit.pk,
        coordinator_oslo.pk,
    }


def test_her_match_card_names_the_coordinators_she_can_reach_now(
    client, active_match, volunteer_oslo, coordinator_oslo, berit
):
    away(coordinator_oslo)
    login(client, volunteer_oslo)
    response = client.get(reverse("my_match"))
    [match] = response.context["matches"]
    assert match.coordinators == [berit]


@pytest.mark.parametrize(
    ("code", "one", "many"),
    [
        ("referral_withdrawn", "1 henvisning er trukket tilbake", "4 henvisninger er trukket"),
        ("match_accepted", "1 ressursvenn har sagt ja", "4 ressursvenner har sagt ja"),
        ("match_declined", "1 ressursvenn har sagt nei", "4 ressursvenner har sagt nei"),
    ],
)
def test_a_group_of_the_coordinators_routine_notices_reads_as_a_sentence(code, one, many):
    """Not "4 × En ressursvenn har sagt ja til et forslag.": each kind a coordinator gets in
    numbers says its count in its own words."""
    from django.utils import translation

    from notifications import kinds

    with translation.override("nb"):
        assert kinds.get(code).group_text(1).startswith(one)
        assert kinds.get(code).group_text(4).startswith(many)


@pytest.mark.parametrize(
    "code",
    [
        "new_referral",
        "referral_withdrawn",
        "match_accepted",
        "match_declined",
        "new_application",
        "no_meeting_coordinator",
        "referral_waiting",
        "follow_up_due",
        "match_ending",
        "later_outcome",
        "application_waiting",
        "commitment_ending",
        "confidentiality_overdue",
    ],
)
def test_every_notice_a_coordinator_gets_in_numbers_has_words_for_a_group(code):
    from django.utils import translation

    from notifications import kinds

    with translation.override("nb"):
        text = kinds.get(code).group_text(3)
    assert "×" not in text and "3" in text and "%" not in text
