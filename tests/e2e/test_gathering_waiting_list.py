"""A gathering with one seat: the coordinator publishes it, Ada signs up on her phone, Bea goes
on the waiting list, Ada signs off and Bea is moved up and sees her seat; once it is held the
coordinator records that Bea came."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from courses.models import Gathering, GatheringSignUp, SignUpStatus
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD, person, volunteer
from volunteers.models import Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _guest(association, first_name: str):
    user = person(
        Role.VOLUNTEER,
        place=association,
        first_name=first_name,
        email=f"{first_name.lower()}@oslo.example",
    )
    return volunteer(
        association,
        status=Status.APPROVED,
        approved_at=timezone.now(),
        user=user,
        first_name=first_name,
        email=user.email,
    )


def test_one_seat_a_waiting_list_and_the_attendance(people, checker, words, oslo, coordinator_oslo):
    ada, bea = _guest(oslo, "Ada"), _guest(oslo, "Bea")
    day = timezone.localdate() + timedelta(days=20)

    # --- Hanne, the coordinator, publishes it with one seat -----------------------------------
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    hanne.goto(reverse("gathering_create"))
    checker.arrived(hanne)
    hanne.get_by_label(words.field("Title")).fill("Sommersamling")
    hanne.get_by_label(words.field("Date")).fill(day.isoformat())
    hanne.get_by_label(words.field("Starts at")).fill("17:00")
    hanne.get_by_label(words.field("Ends at")).fill("21:00")
    hanne.get_by_label(words.field("Place")).fill("Foreningens lokaler")
    hanne.get_by_label(words.field("Sign-up deadline")).fill((day - timedelta(days=5)).isoformat())
    hanne.get_by_label(words.field("Seats")).fill("1")
    hanne.get_by_role("button", name=words.exact("Publish and invite")).click()
    hanne.wait_for_load_state("load")
    checker.arrived(hanne, state="published")
    gathering = Gathering.objects.get()
    assert gathering.capacity == 1 and gathering.organiser == oslo

    # --- Ada signs up on her phone --------------------------------------------------------------
    ada_page = people(words.language, phone=True)
    log_in(ada_page, checker, words, ada.user, PASSWORD)
    ada_page.goto(reverse("my_gatherings"))
    checker.arrived(ada_page)
    ada_page.locator("main").get_by_role("button", name=words.exact("Sign up")).click()
    ada_page.wait_for_load_state("load")
    checker.arrived(ada_page, state="signed-up")
    assert ada_page.get_by_text(words("You are signed up.")).is_visible()
    assert ada_page.evaluate("document.documentElement.scrollWidth") <= 360

    # --- Bea finds it full and goes on the waiting list --------------------------------------
    bea_page = people(words.language, phone=True)
    log_in(bea_page, checker, words, bea.user, PASSWORD)
    bea_page.goto(reverse("my_gatherings"))
    checker.arrived(bea_page)
    bea_page.get_by_role("button", name=words.exact("Join the waiting list")).click()
    bea_page.wait_for_load_state("load")
    checker.arrived(bea_page, state="waiting")
    number_one = words("You are on the waiting list, number %(n)s.").replace("%(n)s", "1")
    assert bea_page.locator("main strong", has_text=number_one).is_visible()
    shoot(bea_page, f"gathering-waiting-list-{words.language}")

    # --- Ada signs off; Bea is moved up ---------------------------------------------------------
    ada_page.get_by_role("button", name=words.exact("Sign off")).click()
    ada_page.wait_for_load_state("load")
    checker.arrived(ada_page, state="signed-off")
    assert GatheringSignUp.objects.get(volunteer=bea).status == SignUpStatus.SIGNED_UP
    bea_page.reload()
    checker.arrived(bea_page, state="seat")
    assert bea_page.get_by_text(words("You are signed up.")).is_visible()

    # --- It is held; Hanne records that Bea came ------------------------------------------------
    starts = timezone.now() - timedelta(hours=2)
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        sign_up_by=timezone.localdate() - timedelta(days=1),
    )
    hanne.goto(reverse("gathering_attendance", args=[gathering.public_id]))
    checker.arrived(hanne)
    hanne.get_by_label(bea.full_name, exact=True).check()
    hanne.get_by_role("button", name=words.exact("Save attendance")).click()
    hanne.wait_for_load_state("load")
    checker.arrived(hanne, state="saved")
    assert GatheringSignUp.objects.get(volunteer=bea).status == SignUpStatus.ATTENDED
    assert GatheringSignUp.objects.get(volunteer=ada).status == SignUpStatus.CANCELLED
