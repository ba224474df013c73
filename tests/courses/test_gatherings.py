"""Gatherings (samlinger): who creates and sees them, the invitation, sign-up (herself or by her
coordinator), the deadline and the seat limit, attendance, the calendar file and her hours."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from courses import services
from courses.models import Gathering, GatheringSignUp, SignUpStatus
from courses.notifications import GATHERING_INVITED, GATHERING_SIGNED_UP
from courses.services import CourseError
from notifications.models import Notification, OutboxMessage
from tests.conftest import login
from tests.factories import person, volunteer
from tests.querycount import assert_constant_queries
from volunteers.selectors import volunteer_hours

pytestmark = pytest.mark.django_db


def guest(association, user=None, **fields):
    """An approved volunteer with a login."""
    user = user or person(Role.VOLUNTEER, place=association)
    return volunteer(
        association,
        status="approved",
        user=user,
        approved_at=timezone.now(),
        email=user.email,
        **fields,
    )


def make_gathering(*, associations=(), national=False, organiser=None, **fields) -> Gathering:
    starts_at = fields.pop("starts_at", timezone.now() + timedelta(days=30))
    gathering = Gathering.objects.create(
        title=fields.pop("title", "Årlig samling"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=fields.pop("hours", 5)),
        place="Hotell Sentrum",
        sign_up_by=fields.pop("sign_up_by", (starts_at - timedelta(days=7)).date()),
        national=national,
        organiser=organiser,
        **fields,
    )
    gathering.associations.set(associations)
    return gathering


def held(gathering: Gathering, *, days_ago: int = 2) -> Gathering:
    length = gathering.ends_at - gathering.starts_at
    gathering.starts_at = timezone.now() - timedelta(days=days_ago)
    gathering.ends_at = gathering.starts_at + length
    gathering.sign_up_by = (gathering.starts_at - timedelta(days=3)).date()
    gathering.save()
    return gathering


def form_data(**overrides) -> dict:
    day = timezone.localdate() + timedelta(days=40)
    return {
        "title": "Årlig samling for ressursvenner",
        "date": day.isoformat(),
        "starts": "10:00",
        "ends": "16:00",
        "place": "Hotell Sentrum",
        "sign_up_by": (day - timedelta(days=10)).isoformat(),
        "capacity": "",
        "description": "",
        **overrides,
    }


# --- Creating and inviting ------------------------------------------------------------------------


def test_a_coordinator_creates_one_for_her_association_and_its_volunteers_are_invited(
    client, oslo, bergen, coordinator_oslo
):
    hers = guest(oslo)
    other = guest(bergen)
    applicant = volunteer(oslo, status="screening", user=person(Role.VOLUNTEER, place=oslo))
    login(client, coordinator_oslo)
    response = client.post(reverse("gathering_create"), form_data())
    gathering = Gathering.objects.get()
    assert response.status_code == 302
    assert gathering.organiser == oslo and not gathering.national
    assert list(gathering.associations.all()) == [oslo]
    invited = Notification.objects.filter(kind=GATHERING_INVITED)
    assert [n.recipient for n in invited] == [hers.user]
    assert invited.get().link == reverse("my_gatherings")
    assert not invited.filter(recipient__in=[other.user, applicant.user]).exists()
    # Its email says what the kind says: not the title, not the place.
    email = OutboxMessage.objects.get(recipient=hers.user)
    assert "Hotell" not in email.body and "Årlig" not in email.body


def test_a_national_admin_creates_a_national_one_for_every_association(
    client, oslo, bergen, national_admin
):
    a, b = guest(oslo), guest(bergen)
    login(client, national_admin)
    response = client.post(reverse("gathering_create"), form_data(national="on"))
    assert response.status_code == 302
    gathering = Gathering.objects.get()
    assert gathering.national and gathering.organiser is None
    invited = Notification.objects.filter(kind=GATHERING_INVITED)
    assert {n.recipient for n in invited} == {a.user, b.user}
    # Each is told in her own association's role.
    assert invited.get(recipient=b.user).association_id == bergen.pk


def test_a_national_admin_creates_a_regional_one(client, oslo, bergen, national_admin):
    a, b = guest(oslo), guest(bergen)
    login(client, national_admin)
    client.post(reverse("gathering_create"), form_data(associations=[bergen.pk]))
    gathering = Gathering.objects.get()
    assert list(gathering.associations.all()) == [bergen]
    assert [n.recipient for n in Notification.objects.filter(kind=GATHERING_INVITED)] == [b.user]
    assert a.user not in [n.recipient for n in Notification.objects.all()]


def test_a_national_admin_must_say_whom_it_is_for(client, oslo, national_admin):
    login(client, national_admin)
    response = client.post(reverse("gathering_create"), form_data())
    assert response.status_code == 200
    assert "Choose the associations whose volunteers are invited" in response.content.decode()
    assert not Gathering.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"date": "2020-01-01", "sign_up_by": "2019-12-01"},
            "date",
            "Choose a date and time that have not passed yet.",
        ),
        ({"starts": "16:00", "ends": "10:00"}, "ends", "The gathering must end after it starts."),
        (
            {"sign_up_by": (timezone.localdate() + timedelta(days=50)).isoformat()},
            "sign_up_by",
            "The sign-up deadline must be on or before the day of the gathering.",
        ),
        (
            {"sign_up_by": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "sign_up_by",
            "The sign-up deadline has passed already.",
        ),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_bad_input_is_shown_at_its_field_and_keeps_what_was_typed(
    client, oslo, coordinator_oslo, overrides, field, message
):
    login(client, coordinator_oslo)
    response = client.post(reverse("gathering_create"), form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert 'value="Hotell Sentrum"' in response.content.decode()
    assert not Gathering.objects.exists()


def test_the_service_refuses_a_deadline_after_the_day_too(oslo, coordinator_oslo):
    starts = timezone.now() + timedelta(days=10)
    with pytest.raises(CourseError):
        services.gathering_create(
            title="Samling",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place="Her",
            sign_up_by=(starts + timedelta(days=2)).date(),
            organiser=oslo,
            by=coordinator_oslo,
        )


# --- Who sees what --------------------------------------------------------------------------------


def test_a_coordinator_sees_her_own_and_the_national_ones_not_another_association(
    client, oslo, bergen, coordinator_oslo
):
    mine = make_gathering(associations=[oslo], organiser=oslo, title="Oslos samling")
    national = make_gathering(national=True, title="Landssamling")
    theirs = make_gathering(associations=[bergen], organiser=bergen, title="Bergens samling")
    login(client, coordinator_oslo)
    page = client.get(reverse("gathering_list")).content.decode()
    assert "Oslos samling" in page and "Landssamling" in page
    assert "Bergens samling" not in page
    assert client.get(reverse("gathering_detail", args=[national.public_id])).status_code == 200
    assert client.get(reverse("gathering_detail", args=[mine.public_id])).status_code == 200
    assert client.get(reverse("gathering_detail", args=[theirs.public_id])).status_code == 404
    assert client.get(reverse("gathering_ics", args=[theirs.public_id])).status_code == 404


def test_a_coordinator_records_attendance_only_for_her_own(client, oslo, coordinator_oslo):
    national = held(make_gathering(national=True))
    login(client, coordinator_oslo)
    assert client.get(reverse("gathering_attendance", args=[national.public_id])).status_code == 404


def test_a_volunteer_sees_only_those_she_is_invited_to(client, oslo, bergen):
    her = guest(oslo)
    make_gathering(associations=[oslo], organiser=oslo, title="Oslos samling")
    make_gathering(national=True, title="Landssamling")
    theirs = make_gathering(associations=[bergen], organiser=bergen, title="Bergens samling")
    login(client, her.user)
    page = client.get(reverse("my_gatherings")).content.decode()
    assert "Oslos samling" in page and "Landssamling" in page
    assert "Bergens samling" not in page
    response = client.post(reverse("my_gathering_sign_up", args=[theirs.public_id]))
    assert response.status_code == 404
    assert not GatheringSignUp.objects.exists()


def test_an_applicant_has_no_gatherings(client, oslo):
    applicant = volunteer(oslo, status="course", user=person(Role.VOLUNTEER, place=oslo))
    login(client, applicant.user)
    assert client.get(reverse("my_gatherings")).status_code == 404


def test_the_coordinator_sees_only_her_own_volunteers_signed_up(
    client, oslo, bergen, coordinator_oslo
):
    national = make_gathering(national=True)
    services.gathering_sign_up(gathering=national, volunteer=guest(oslo, first_name="Olga"))
    services.gathering_sign_up(gathering=national, volunteer=guest(bergen, first_name="Berit"))
    login(client, coordinator_oslo)
    page = client.get(reverse("gathering_detail", args=[national.public_id])).content.decode()
    assert "Olga" in page and "Berit" not in page


# --- Sign-up --------------------------------------------------------------------------------------


def test_she_signs_up_and_off_from_her_page(client, oslo):
    her = guest(oslo)
    gathering = make_gathering(associations=[oslo], organiser=oslo)
    login(client, her.user)
    client.post(reverse("my_gathering_sign_up", args=[gathering.public_id]))
    sign_up = GatheringSignUp.objects.get()
    assert sign_up.volunteer == her and sign_up.status == SignUpStatus.SIGNED_UP
    # She signed herself up: no notification about it.
    assert not Notification.objects.filter(kind=GATHERING_SIGNED_UP).exists()
    client.post(reverse("my_gathering_sign_off", args=[gathering.public_id]))
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.CANCELLED
    client.post(reverse("my_gathering_sign_up", args=[gathering.public_id]))
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.SIGNED_UP


def test_her_coordinator_signs_her_up_and_she_is_told(client, oslo, coordinator_oslo):
    her = guest(oslo, first_name="Olga")
    gathering = make_gathering(national=True)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("gathering_sign_up_for", args=[gathering.public_id]),
        {"volunteer": her.public_id},
    )
    assert response.status_code == 302
    assert GatheringSignUp.objects.get().volunteer == her
    assert Notification.objects.filter(recipient=her.user, kind=GATHERING_SIGNED_UP).exists()


def test_a_coordinator_cannot_sign_up_another_associations_volunteer(
    client, oslo, bergen, coordinator_oslo
):
    other = guest(bergen)
    gathering = make_gathering(national=True)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("gathering_sign_up_for", args=[gathering.public_id]),
        {"volunteer": other.public_id},
    )
    assert response.status_code == 200
    assert response.context["sign_up_form"].errors["volunteer"]
    assert not GatheringSignUp.objects.exists()


def test_sign_up_closes_after_the_deadline(client, oslo):
    her = guest(oslo)
    gathering = make_gathering(
        associations=[oslo], organiser=oslo, sign_up_by=timezone.localdate() - timedelta(days=1)
    )
    with translation.override("en"), pytest.raises(CourseError, match="deadline"):
        services.gathering_sign_up(gathering=gathering, volunteer=her)
    login(client, her.user)
    response = client.post(reverse("my_gathering_sign_up", args=[gathering.public_id]))
    assert response.status_code == 302
    assert not GatheringSignUp.objects.exists()


def test_a_full_gathering_puts_the_next_on_the_waiting_list_and_the_coordinator_sees_it(
    client, oslo, coordinator_oslo
):
    gathering = make_gathering(associations=[oslo], organiser=oslo, capacity=1)
    services.gathering_sign_up(gathering=gathering, volunteer=guest(oslo))
    late = guest(oslo, first_name="Sen")
    login(client, coordinator_oslo)
    response = client.post(
        reverse("gathering_sign_up_for", args=[gathering.public_id]),
        {"volunteer": late.public_id},
        follow=True,
    )
    sign_up = GatheringSignUp.objects.get(volunteer=late)
    assert sign_up.status == SignUpStatus.WAITING and sign_up.queued_at is not None
    assert [s.volunteer for s in response.context["waiting"]] == [late]
    assert "on the waiting list, number 1" in response.content.decode()
    # She is told she is on the waiting list (not that she has a seat).
    assert Notification.objects.filter(recipient=late.user, kind="gathering_waiting").exists()
    assert not Notification.objects.filter(recipient=late.user, kind=GATHERING_SIGNED_UP).exists()


def test_she_cannot_sign_up_twice(oslo):
    her = guest(oslo)
    gathering = make_gathering(national=True)
    services.gathering_sign_up(gathering=gathering, volunteer=her)
    with translation.override("en"), pytest.raises(CourseError, match="already"):
        services.gathering_sign_up(gathering=gathering, volunteer=her)


def test_a_volunteer_who_leaves_gives_up_her_place(oslo):
    her = guest(oslo)
    gathering = make_gathering(national=True)
    services.gathering_sign_up(gathering=gathering, volunteer=her)
    services.enrolments_withdraw(volunteer=her)
    assert GatheringSignUp.objects.get().status == SignUpStatus.CANCELLED


# --- Attendance and hours -------------------------------------------------------------------------


def test_the_organiser_records_attendance_and_it_counts_in_her_hours(
    client, oslo, coordinator_oslo
):
    came, stayed_home = guest(oslo, first_name="Kom"), guest(oslo, first_name="Borte")
    gathering = make_gathering(associations=[oslo], organiser=oslo, hours=5)
    for v in (came, stayed_home):
        services.gathering_sign_up(gathering=gathering, volunteer=v)
    login(client, coordinator_oslo)
    address = reverse("gathering_attendance", args=[gathering.public_id])
    # Not before it has started.
    response = client.post(address, {})
    assert response.status_code == 200
    assert not GatheringSignUp.objects.filter(status=SignUpStatus.ABSENT).exists()
    held(gathering)
    mine = GatheringSignUp.objects.get(volunteer=came)
    response = client.post(address, {"attended": [mine.public_id]})
    assert response.status_code == 302
    statuses = dict(GatheringSignUp.objects.values_list("volunteer__first_name", "status"))
    assert statuses == {"Kom": SignUpStatus.ATTENDED, "Borte": SignUpStatus.ABSENT}
    year = timezone.localtime(gathering.starts_at).year
    [hours] = volunteer_hours(came, [year])
    with translation.override("nb"):
        assert {str(label): h for label, h in hours.parts}["Samlinger"] == 5.0
    [none] = volunteer_hours(stayed_home, [year])
    assert none.total == 0


def test_a_national_admin_records_attendance_of_a_national_one(client, oslo, national_admin):
    her = guest(oslo)
    gathering = make_gathering(national=True)
    services.gathering_sign_up(gathering=gathering, volunteer=her)
    held(gathering)
    login(client, national_admin)
    sign_up = GatheringSignUp.objects.get()
    response = client.post(
        reverse("gathering_attendance", args=[gathering.public_id]),
        {"attended": [sign_up.public_id]},
    )
    assert response.status_code == 302
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.ATTENDED


def test_attendance_for_someone_not_signed_up_is_refused(oslo):
    gathering = held(make_gathering(associations=[oslo], organiser=oslo))
    with pytest.raises(CourseError):
        services.gathering_attendance_record(gathering=gathering, sign_ups=[], attended_ids={1})


# --- Calendar, pages --------------------------------------------------------------------------


def test_the_calendar_file_is_neutral(client, oslo):
    her = guest(oslo)
    gathering = make_gathering(associations=[oslo], organiser=oslo, title="Samling om vold")
    login(client, her.user)
    response = client.get(reverse("gathering_ics", args=[gathering.public_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ressursvenner: samling" in body and "Hotell Sentrum" in body
    assert "vold" not in body


def test_the_list_asks_the_same_number_of_queries_however_many(client, oslo, coordinator_oslo):
    login(client, coordinator_oslo)

    def grow(n):
        for i in range(n):
            upcoming = make_gathering(associations=[oslo], organiser=oslo)
            past = held(make_gathering(national=True), days_ago=i + 2)
            services.gathering_sign_up(gathering=upcoming, volunteer=guest(oslo))
            GatheringSignUp.objects.create(gathering=past, volunteer=guest(oslo))

    assert assert_constant_queries(client, reverse("gathering_list"), grow) == 7


def test_her_page_asks_the_same_number_of_queries_however_many(client, oslo):
    her = guest(oslo)
    login(client, her.user)

    def grow(n):
        for _ in range(n):
            gathering = make_gathering(national=True)
            services.gathering_sign_up(gathering=gathering, volunteer=her)
            full = make_gathering(national=True, capacity=1)
            services.gathering_sign_up(gathering=full, volunteer=guest(oslo))
            services.gathering_sign_up(gathering=full, volunteer=her)  # on its waiting list

    assert assert_constant_queries(client, reverse("my_gatherings"), grow) == 7


def test_the_gathering_page_asks_the_same_number_of_queries_however_many_signed_up(
    client, oslo, coordinator_oslo
):
    gathering = make_gathering(associations=[oslo], organiser=oslo)
    login(client, coordinator_oslo)

    def grow(n):
        for _ in range(n):
            services.gathering_sign_up(gathering=gathering, volunteer=guest(oslo))
            guest(oslo)  # and one more to choose from in the sign-up form
            GatheringSignUp.objects.create(  # and one on the waiting list
                gathering=gathering,
                volunteer=guest(oslo),
                status=SignUpStatus.WAITING,
                queued_at=timezone.now(),
            )

    address = reverse("gathering_detail", args=[gathering.public_id])
    assert assert_constant_queries(client, address, grow) == 10


def test_her_coordinator_signs_her_off_and_no_other_coordinator_can(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen
):
    gathering = make_gathering(national=True)
    sign_up = services.gathering_sign_up(gathering=gathering, volunteer=guest(oslo))
    address = reverse("gathering_sign_off_for", args=[sign_up.public_id])
    login(client, coordinator_bergen)
    assert client.post(address).status_code == 404
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.SIGNED_UP
    login(client, coordinator_oslo)
    assert client.post(address).status_code == 302
    sign_up.refresh_from_db()
    assert sign_up.status == SignUpStatus.CANCELLED
