"""A concern on its own: the volunteer, on her phone, is worried between two meetings. From her
start page she presses "I am worried", first forgets to write what happened, then sends it; the
coordinator finds it through her bell and reads it. Later, with someone in danger, the concern is
sent and she lands on the emergency numbers. Her match page is her home on the phone."""

import re

import pytest

from matching.models import Concern, Meeting
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILLS_ITS_PARENT = """(el) => {
    const parent = getComputedStyle(el.parentElement);
    const room = el.parentElement.clientWidth - parseFloat(parent.paddingLeft)
        - parseFloat(parent.paddingRight);
    return el.getBoundingClientRect().width >= room - 1;
}"""
CONCERN = "Hun fortalte at han har stått utenfor leiligheten hennes to kvelder på rad."
URGENT = "Han står utenfor døra hennes nå og roper."


def test_a_concern_from_her_start_page_without_a_meeting(
    people, checker, words, active_match, coordinator_oslo, volunteer_oslo
):
    # --- The volunteer, on her phone --------------------------------------------------------
    nora = people(words.language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    assert nora.viewport_size == {"width": 360, "height": 740}

    # Her match is her home: a card with the next step, a big "Log a meeting", whom to call.
    nora.get_by_role("link", name=words.exact("My match")).first.click()
    nora.wait_for_url("**/min-side/kobling/")
    checker.arrived(nora)
    match_card = nora.locator(f"#{active_match.card_id}")
    log_button = match_card.get_by_role("link", name=words.exact("Log a meeting"))
    box = log_button.bounding_box()
    # At least 44 px tall, and as wide as the space it stands in (most of the phone's width).
    assert box is not None and box["height"] >= 44 and box["width"] >= 280
    assert log_button.evaluate(FILLS_ITS_PARENT)
    assert match_card.get_by_role("link", name=words.exact("I am worried")).is_visible()
    assert (
        nora.locator("main")
        .get_by_role("link", name=words.exact("Do you need help now?"))
        .is_visible()
    )
    assert nora.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(nora, f"my-match-{words.language}", docs=words.language == "nb")
    nora.goto("/")
    checker.arrived(nora)

    # From her start page: "I am worried".
    nora.locator("main").get_by_role("link", name=words.exact("I am worried")).click()
    nora.wait_for_url("**/min-side/bekymring/ny/")
    checker.arrived(nora)
    # The emergency number comes first, before anything she has to write.
    call = nora.get_by_role("link", name=words("Call 112 – police"))
    text = nora.get_by_label(words.field("What happened?"))
    assert call.bounding_box()["y"] < text.bounding_box()["y"]

    # She says no one is in danger, but forgets to write what happened: refused by the field,
    # her answer kept, nothing sent.
    nora.get_by_label(words("No"), exact=True).check()
    with nora.expect_navigation():
        nora.get_by_role("button", name=words("Send to my coordinator")).click()
    checker.arrived(nora, state="with an error")
    assert nora.get_by_text(
        words("Write what happened, so that your coordinator can help.")
    ).is_visible()
    assert nora.get_by_label(words("No"), exact=True).is_checked()
    assert not Concern.objects.exists()

    text = nora.get_by_label(words.field("What happened?"))
    text.fill(CONCERN)
    shoot(nora, f"concern-form-{words.language}", docs=words.language == "nb")
    with nora.expect_navigation():
        nora.get_by_role("button", name=words("Send to my coordinator")).click()
    checker.arrived(nora)
    thanks = words("Thank you. Your coordinator has been told and will contact you.")
    assert nora.get_by_role("status").filter(has_text=thanks).is_visible()
    concern = Concern.objects.get()
    assert (concern.match_id, concern.meeting, concern.text) == (active_match.pk, None, CONCERN)
    assert not Meeting.objects.exists()

    # --- The coordinator: the bell, the concern -----------------------------------------------
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    hanne.get_by_role("link", name=re.compile(words("Notifications"))).click()
    hanne.wait_for_url("**/varsler/")
    checker.arrived(hanne)
    notice = words("A volunteer has raised a concern. Follow it up.")
    hanne.get_by_role("button", name=re.compile(re.escape(notice))).click()
    hanne.wait_for_url(f"**/koblinger/bekymringer/{concern.public_id}/")
    checker.arrived(hanne)
    assert hanne.get_by_text(CONCERN).is_visible()

    # --- Later, frightened: someone is in danger now ----------------------------------------
    nora.get_by_role("navigation").get_by_role("link", name=words.exact("My match")).click()
    nora.wait_for_url("**/min-side/kobling/")
    checker.arrived(nora)
    match_card.get_by_role("link", name=words.exact("I am worried")).click()
    nora.wait_for_url("**/min-side/bekymring/ny/?kobling=*")
    checker.arrived(nora)
    nora.get_by_label(words.field("What happened?")).fill(URGENT)
    nora.get_by_label(words("Yes"), exact=True).check()
    with nora.expect_navigation():
        nora.get_by_role("button", name=words("Send to my coordinator")).click()
    nora.wait_for_url("**/min-side/hjelp/")
    checker.arrived(nora, state="after a concern")
    # The concern is sent, and the emergency numbers come first.
    told = words("Your coordinator has been told. If someone is in danger, call 112 now.")
    assert nora.get_by_role("status").filter(has_text=told).is_visible()
    call = nora.locator("main").get_by_role("link", name=words("Call 112 – police"))
    assert call.is_visible() and call.bounding_box()["y"] < 740
    sent = Concern.objects.filter(meeting=None).order_by("raised_at")
    assert [c.text for c in sent] == [CONCERN, URGENT]  # (encrypted: read, not queried)
