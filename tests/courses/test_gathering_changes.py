"""Gatherings after they are published: the organiser changes one (those signed up are told of
a new time or place; fewer seats than those signed up is refused), cancels one (kept, marked
cancelled, everyone told, no hours), and the waiting list of a full one (the first in line gets
the freed seat in the same transaction, and is told)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from courses import services
from courses.models import Gathering, GatheringSignUp, SignUpStatus
from courses.notifications import (
    GATHERING_CANCELLED,
    GATHERING_CHANGED,
    GATHERING_INVITED,
    GATHERING_SEAT,
)
from courses.services import CourseError, GatheringSeatsError
from notifications.models import Notification, OutboxMessage
from tests.conftest import login
from tests.courses.test_gatherings import form_data, guest, held, make_gathering
from volunteers.selectors import volunteer_hours

pytestmark = pytest.mark.django_db


def edit_data(gathering: Gathering, **overrides) -> dict:
    """The form as it shows the gathering, with `overrides`."""
    starts = timezone.localtime(gathering.starts_at)
    data = form_data(
        title=gathering.title,
        date=starts.date().isoformat(),
        starts=f"{starts:%H:%M}",
        ends=f"{timezone.localtime(gathering.ends_at):%H:%M}",
        place=gathering.place,
        sign_up_by=gathering.sign_up_by.isoformat(),
        capacity="" if gathering.capacity is None else str(gathering.capacity),
    )
    return {**data, **overrides}


def at_ten(days: int = 30):
    """A start the form can show exactly (whole minutes)."""
    day = timezone.localtime() + timedelta(days=days)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


def make(**fields) -> Gathering:
    return make_gathering(starts_at=at_ten(), **fields)


def full_with_waiting(association, *, seats=1, waiting=2):
    gathering = make(associations=[association], organiser=association, capacity=seats)
    seated = [guest(association, first_name=f"Plass{i}") for i in range(seats)]
    in_line = [guest(association, first_name=f"Vent{i}") for i in range(waiting)]
    for v in [*seated, *in_line]:
        services.gathering_sign_up(gathering=gathering, volunteer=v)
    return gathering, seated, in_line


# --- Changing it ----------------------------------------------------------------------------------


def test_a_new_place_is_told_to_those_signed_up_and_waiting(client, oslo, coordinator_oslo):
    gathering, seated, in_line = full_with_waiting(oslo)
    bystander = guest(oslo)  # invited, not signed up: not told about the move
    login(client, coordinator_oslo)
    outbox_before = OutboxMessage.objects.count()
    response = client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, place="Folkets hus"),
    )
    assert response.status_code == 302
    gathering.refresh_from_db()
    assert gathering.place == "Folkets hus"
    told = set(
        Notification.objects.filter(kind=GATHERING_CHANGED).values_list("recipient", flat=True)
    )
    assert told == {v.user_id for v in [*seated, *in_line]}
    assert bystander.user_id not in told
    assert OutboxMessage.objects.count() == outbox_before + 3  # one neutral email each
    # The emails are neutral: neither the title nor the new place travel in them.
    for message in OutboxMessage.objects.order_by("-pk")[:3]:
        written = f"{message.subject} {message.body} {message.context}"
        assert "Folkets hus" not in written and gathering.title not in written


def test_a_new_title_alone_tells_nobody(client, oslo, coordinator_oslo):
    gathering, _seated, _in_line = full_with_waiting(oslo)
    login(client, coordinator_oslo)
    client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, title="Sommersamling", description="Ta med matpakke."),
    )
    gathering.refresh_from_db()
    assert gathering.title == "Sommersamling" and gathering.description == "Ta med matpakke."
    assert not Notification.objects.filter(kind=GATHERING_CHANGED).exists()


def test_fewer_seats_than_signed_up_is_refused_next_to_the_field(client, oslo, coordinator_oslo):
    gathering, _seated, _in_line = full_with_waiting(oslo, seats=2, waiting=0)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, capacity="1", place="Et annet sted"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["capacity"]
    assert any("2 volunteers are signed up already" in e for e in errors), errors
    assert 'value="Et annet sted"' in response.content.decode()  # what she typed is kept
    gathering.refresh_from_db()
    assert gathering.capacity == 2 and gathering.place == "Hotell Sentrum"
    # The service refuses it too (a sign-up may come in while she types).
    with translation.override("en"), pytest.raises(GatheringSeatsError):
        services.gathering_update(
            gathering=gathering,
            title=gathering.title,
            starts_at=gathering.starts_at,
            ends_at=gathering.ends_at,
            place=gathering.place,
            sign_up_by=gathering.sign_up_by,
            capacity=1,
        )


def test_a_deadline_after_the_start_is_refused_when_changing(client, oslo, coordinator_oslo):
    gathering = make(associations=[oslo], organiser=oslo)
    login(client, coordinator_oslo)
    late = (timezone.localtime(gathering.starts_at).date() + timedelta(days=2)).isoformat()
    response = client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, sign_up_by=late),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sign_up_by"]
    gathering.refresh_from_db()
    assert gathering.sign_up_by.isoformat() != late


def test_more_seats_give_the_waiting_list_its_seats(client, oslo, coordinator_oslo):
    gathering, _seated, in_line = full_with_waiting(oslo, seats=1, waiting=2)
    login(client, coordinator_oslo)
    client.post(
        reverse("gathering_update", args=[gathering.public_id]), edit_data(gathering, capacity="2")
    )
    first, second = (GatheringSignUp.objects.get(volunteer=v) for v in in_line)
    assert first.status == SignUpStatus.SIGNED_UP and second.status == SignUpStatus.WAITING
    assert Notification.objects.filter(recipient=in_line[0].user, kind=GATHERING_SEAT).exists()


def test_a_national_admin_invites_another_association_by_changing_it(
    client, oslo, bergen, national_admin
):
    gathering = make(associations=[oslo])
    in_bergen = guest(bergen)
    login(client, national_admin)
    response = client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, associations=[oslo.pk, bergen.pk]),
    )
    assert response.status_code == 302
    assert set(gathering.associations.all()) == {oslo, bergen}
    assert Notification.objects.filter(recipient=in_bergen.user, kind=GATHERING_INVITED).exists()


def test_only_the_organiser_may_change_or_cancel_it(
    client, oslo, bergen, coordinator_bergen, coordinator_oslo
):
    theirs = make_gathering(associations=[oslo], organiser=oslo)
    national = make_gathering(national=True)
    login(client, coordinator_bergen)
    for name in ("gathering_update", "gathering_cancel"):
        assert client.get(reverse(name, args=[theirs.public_id])).status_code == 404
        assert client.post(reverse(name, args=[theirs.public_id])).status_code == 404
    # A coordinator sees a national one but does not organise it.
    login(client, coordinator_oslo)
    assert client.post(reverse("gathering_cancel", args=[national.public_id])).status_code == 404
    assert not Gathering.objects.filter(cancelled_at__isnull=False).exists()


def test_one_that_has_started_cannot_be_changed(client, oslo, coordinator_oslo):
    gathering = held(make_gathering(associations=[oslo], organiser=oslo))
    login(client, coordinator_oslo)
    response = client.post(
        reverse("gathering_update", args=[gathering.public_id]),
        edit_data(gathering, place="Et annet sted"),
    )
    assert response.status_code == 302
    gathering.refresh_from_db()
    assert gathering.place == "Hotell Sentrum"


# --- Cancelling it --------------------------------------------------------------------------------


def test_cancelling_asks_first_then_keeps_it_marked_and_tells_everyone(
    client, oslo, coordinator_oslo
):
    gathering, seated, in_line = full_with_waiting(oslo)
    login(client, coordinator_oslo)
    address = reverse("gathering_cancel", args=[gathering.public_id])
    page = client.get(address)
    assert page.status_code == 200 and page.context["to_tell"] == 3
    assert Gathering.objects.get().cancelled_at is None  # asking changes nothing
    response = client.post(address, follow=True)
    gathering.refresh_from_db()
    assert gathering.is_cancelled and gathering.cancelled_by == coordinator_oslo
    assert "The gathering is cancelled" in response.content.decode()
    told = set(
        Notification.objects.filter(kind=GATHERING_CANCELLED).values_list("recipient", flat=True)
    )
    assert told == {v.user_id for v in [*seated, *in_line]}
    # The sign-up is closed.
    with translation.override("en"), pytest.raises(CourseError, match="cancelled"):
        services.gathering_sign_up(gathering=gathering, volunteer=guest(oslo))
    # Twice is refused; it is never deleted.
    with translation.override("en"), pytest.raises(CourseError, match="already cancelled"):
        services.gathering_cancel(gathering=gathering, by=coordinator_oslo)
    assert Gathering.objects.count() == 1


def test_she_sees_it_cancelled_and_cannot_sign_up(client, oslo):
    her = guest(oslo)
    gathering = make_gathering(associations=[oslo], organiser=oslo)
    services.gathering_cancel(gathering=gathering, by=None)
    login(client, her.user)
    page = client.get(reverse("my_gatherings"))
    assert "The gathering is cancelled." in page.content.decode()
    client.post(reverse("my_gathering_sign_up", args=[gathering.public_id]))
    assert not GatheringSignUp.objects.exists()


def test_a_cancelled_gathering_counts_no_hours(oslo):
    her = guest(oslo)
    gathering = held(make_gathering(associations=[oslo], organiser=oslo, hours=5))
    GatheringSignUp.objects.create(gathering=gathering, volunteer=her, status=SignUpStatus.ATTENDED)
    year = timezone.localtime(gathering.starts_at).year
    [before] = volunteer_hours(her, [year])
    assert before.total == 5.0
    Gathering.objects.filter(pk=gathering.pk).update(cancelled_at=timezone.now())
    [after] = volunteer_hours(her, [year])
    assert after.total == 0


# --- The waiting list -----------------------------------------------------------------------------


def test_she_goes_on_the_waiting_list_and_sees_her_number(client, oslo):
    gathering, _seated, in_line = full_with_waiting(oslo, waiting=1)
    her = guest(oslo)
    login(client, her.user)
    response = client.post(reverse("my_gathering_sign_up", args=[gathering.public_id]), follow=True)
    assert GatheringSignUp.objects.get(volunteer=her).status == SignUpStatus.WAITING
    body = response.content.decode()
    assert "You are on the waiting list, number 2." in body
    assert services.waiting_position(GatheringSignUp.objects.get(volunteer=in_line[0])) == 1


def test_signing_off_gives_the_first_in_line_her_seat_and_she_is_told(client, oslo):
    gathering, seated, in_line = full_with_waiting(oslo, seats=1, waiting=2)
    login(client, seated[0].user)
    client.post(reverse("my_gathering_sign_off", args=[gathering.public_id]))
    statuses = dict(GatheringSignUp.objects.values_list("volunteer__first_name", "status"))
    assert statuses == {
        "Plass0": SignUpStatus.CANCELLED,
        "Vent0": SignUpStatus.SIGNED_UP,
        "Vent1": SignUpStatus.WAITING,
    }
    assert GatheringSignUp.objects.get(volunteer=in_line[0]).queued_at is None
    told = Notification.objects.filter(kind=GATHERING_SEAT).values_list("recipient", flat=True)
    assert list(told) == [in_line[0].user_id]
    # The second in line is now first.
    assert services.waiting_position(GatheringSignUp.objects.get(volunteer=in_line[1])) == 1


def test_leaving_the_waiting_list_gives_no_seat_away(oslo):
    _gathering, _seated, in_line = full_with_waiting(oslo, seats=1, waiting=2)
    services.gathering_sign_off(sign_up=GatheringSignUp.objects.get(volunteer=in_line[0]))
    assert GatheringSignUp.objects.get(volunteer=in_line[1]).status == SignUpStatus.WAITING
    assert not Notification.objects.filter(kind=GATHERING_SEAT).exists()


def test_a_volunteer_who_leaves_frees_her_seat_for_the_waiting_list(oslo):
    _gathering, seated, in_line = full_with_waiting(oslo, seats=1, waiting=1)
    services.enrolments_withdraw(volunteer=seated[0])
    assert GatheringSignUp.objects.get(volunteer=in_line[0]).status == SignUpStatus.SIGNED_UP


def test_the_organiser_sees_the_waiting_list_in_order(client, oslo, coordinator_oslo):
    gathering, _seated, in_line = full_with_waiting(oslo, waiting=2)
    login(client, coordinator_oslo)
    response = client.get(reverse("gathering_detail", args=[gathering.public_id]))
    assert [s.volunteer for s in response.context["waiting"]] == in_line
    assert "Waiting list" in response.content.decode()


def test_a_waiting_one_who_came_gets_the_seat_in_attendance(client, oslo, coordinator_oslo):
    gathering, _seated, in_line = full_with_waiting(oslo, seats=1, waiting=2)
    held(gathering)
    login(client, coordinator_oslo)
    came = GatheringSignUp.objects.get(volunteer=in_line[0])
    response = client.post(
        reverse("gathering_attendance", args=[gathering.public_id]),
        {"attended": [came.public_id]},
    )
    assert response.status_code == 302
    statuses = dict(GatheringSignUp.objects.values_list("volunteer__first_name", "status"))
    assert statuses == {
        "Plass0": SignUpStatus.ABSENT,
        "Vent0": SignUpStatus.ATTENDED,
        "Vent1": SignUpStatus.WAITING,  # not ticked: she stays in line, not absent
    }


def test_a_volunteer_of_another_association_gets_404(client, oslo, bergen):
    gathering = make_gathering(associations=[oslo], organiser=oslo)
    other = guest(bergen)
    login(client, other.user)
    assert (
        client.post(reverse("my_gathering_sign_up", args=[gathering.public_id])).status_code == 404
    )
    assert client.get(reverse("gathering_ics", args=[gathering.public_id])).status_code == 404
    assert not GatheringSignUp.objects.exists()


def test_signing_up_after_the_deadline_is_refused_even_when_full(oslo):
    gathering, _seated, _in_line = full_with_waiting(oslo, waiting=0)
    Gathering.objects.filter(pk=gathering.pk).update(
        sign_up_by=timezone.localdate() - timedelta(days=1)
    )
    gathering.refresh_from_db()
    with translation.override("en"), pytest.raises(CourseError, match="deadline"):
        services.gathering_sign_up(gathering=gathering, volunteer=guest(oslo))
    assert not GatheringSignUp.objects.filter(status=SignUpStatus.WAITING).exists()


# --- Demo data ------------------------------------------------------------------------------------


def test_the_demo_has_a_coming_a_full_and_a_held_gathering(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    coming = Gathering.objects.get(national=True, starts_at__gt=now)
    assert coming.sign_ups.filter(status=SignUpStatus.SIGNED_UP).count() >= 2
    full = Gathering.objects.get(organiser__isnull=False)
    assert full.sign_ups.filter(status=SignUpStatus.SIGNED_UP).count() == full.capacity
    assert full.sign_ups.filter(status=SignUpStatus.WAITING, queued_at__isnull=False).count() == 2
    held_one = Gathering.objects.get(starts_at__lt=now)
    came = held_one.sign_ups.filter(status=SignUpStatus.ATTENDED).first()
    year = timezone.localtime(held_one.starts_at).year
    [hours] = volunteer_hours(came.volunteer, [year])
    assert hours.total >= 5.0
    # Again: nothing more.
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Gathering.objects.count() == 3
