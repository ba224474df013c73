"""The meeting form on her own phone (360 × 740), in a café: everything up to the button on
one screen, the worry a clear separate choice, and the list saying the duration as she chose it."""

import pytest

from matching.models import Meeting
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_meeting_form_fits_her_phone(people, checker, words, active_match, volunteer_oslo):
    nora = people(words.language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    assert nora.viewport_size == {"width": 360, "height": 740}
    nora.get_by_role("link", name=words("Log a meeting")).first.click()
    nora.wait_for_url("**/min-side/moter/ny/")
    checker.arrived(nora)
    shoot(nora, f"meeting-phone-form-{words.language}", docs=words.language == "nb")

    # Without scrolling, the button that logs the meeting is on the screen.
    assert nora.evaluate("window.scrollY") == 0
    submit = nora.get_by_role("button", name=words("Log the meeting"))
    box = submit.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= 740, box
    # Nothing is wider than her phone.
    assert nora.evaluate("document.documentElement.scrollWidth") <= 360

    # The worry is closed, but a clear control at least 44 px tall.
    worry = nora.locator("details.concern-box > summary")
    assert worry.inner_text().strip() == words("I am worried")
    assert worry.bounding_box()["height"] >= 44
    assert not nora.get_by_label(words("What worries you?")).is_visible()
    worry.click()
    assert nora.get_by_label(words("What worries you?")).is_visible()
    checker.arrived(nora, state="with the concern box open")
    shoot(nora, f"meeting-phone-worry-{words.language}")
    worry.click()  # closed again: nothing is sent

    # Today and an hour are chosen already; she picks two hours and what they did.
    nora.get_by_label(words("2 hours")).check()
    nora.get_by_label(words("Coffee and a chat")).check()
    nora.get_by_role("button", name=words("Log the meeting")).click()
    nora.wait_for_url("**/min-side/moter/")
    checker.arrived(nora)
    shoot(nora, f"meeting-phone-list-{words.language}")

    meeting = Meeting.objects.get()
    assert meeting.minutes == 120
    assert not meeting.match.concerns.exists()
    card = nora.locator("main .card").filter(has_text="Amina")
    assert words("2 hours") in card.inner_text()
    assert (
        words.plural("%(minutes)s minute", "%(minutes)s minutes", 120) % {"minutes": 120}
        not in card.inner_text()
    )
