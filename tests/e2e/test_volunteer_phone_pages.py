"""Her profile and her courses on her phone (360 × 740): the languages she speaks as chips with
«Add a language», and what she has completed shown as done, not offered again."""

import pytest

from courses.models import Course, Enrolment, EnrolmentStatus
from tests.courses.conftest import BASIC, SPECIALISATION, make_session, move_to_past
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD, volunteer
from volunteers.models import Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def nora(oslo, volunteer_oslo):
    return volunteer(
        oslo,
        status=Status.APPROVED,
        user=volunteer_oslo,
        email=volunteer_oslo.email,
        first_name="Nora",
        languages=("no", "ar"),
    )


def test_she_adds_a_language_on_her_profile(people, checker, words, nora, volunteer_oslo):
    page = people(words.language, phone=True)
    log_in(page, checker, words, volunteer_oslo, PASSWORD)
    page.goto("/min-side/profil/")
    checker.arrived(page)
    chips = page.locator("[data-chips] input[type=checkbox]")
    assert chips.count() == 2  # hers, not a checkbox for every language
    shoot(page, f"profile-languages-{words.language}")

    search = page.get_by_label(words("Add a language"))
    search.fill(words("Tigrinya"))
    search.press("Enter")  # adds the chip; the form is not sent yet
    assert "/min-side/profil/" in page.url
    assert page.get_by_label(words("Tigrinya"), exact=True).is_checked()
    assert search.input_value() == ""
    checker.arrived(page, state="with a language added")
    page.get_by_label(words("Arabic"), exact=True).uncheck()
    page.get_by_role("button", name=words.exact("Save")).click()
    page.wait_for_load_state("load")
    checker.arrived(page, state="saved")
    nora.refresh_from_db()
    assert nora.language_codes == ["no", "ti"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_her_courses_show_what_is_done_and_what_she_still_needs(
    people, checker, words, oslo, volunteer_oslo
):
    nora = volunteer(oslo, status=Status.COURSE, user=volunteer_oslo, email=volunteer_oslo.email)
    special = Course.objects.get(title=SPECIALISATION)
    held = move_to_past(make_session(oslo, special), ended_days_ago=20)
    Enrolment.objects.create(session=held, volunteer=nora, status=EnrolmentStatus.ATTENDED)
    make_session(oslo, special, place="Biblioteket")  # done: not offered again
    make_session(oslo, Course.objects.get(title=BASIC), place="Sanitetshuset")

    page = people(words.language, phone=True)
    log_in(page, checker, words, volunteer_oslo, PASSWORD)
    page.goto("/min-side/kurs/")
    checker.arrived(page)
    shoot(page, f"courses-done-{words.language}")
    main = page.locator("main")
    assert main.get_by_role("heading", name=words("What you still need")).is_visible()
    assert main.get_by_text("Sanitetshuset").is_visible()
    assert main.get_by_text("Biblioteket").count() == 0
    done = main.locator(".course-done")
    assert SPECIALISATION in done.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
