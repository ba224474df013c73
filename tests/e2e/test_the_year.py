"""The year: the volunteer logs meetings on her phone, one with a concern; the coordinator
follows the concern up, records a follow-up conversation, ends the match with its outcome, and
finds it in the statistics."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Concern, FollowUp, Match, MatchStatus, Meeting
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONCERN = "Hun virket redd i dag og sa at han har ringt henne igjen."


def log_meeting(page, checker, words, *, days_ago: int, concern: str = "") -> None:
    """On her phone, from her start page: date, how long, what they did, and maybe a worry."""
    page.get_by_role("link", name=words("Log a meeting")).first.click()
    page.wait_for_url("**/min-side/moter/ny/")
    checker.arrived(page)
    day = timezone.localdate() - timedelta(days=days_ago)
    page.get_by_label(words("Date")).fill(day.isoformat())
    page.get_by_label(words("1 hour")).check()
    page.get_by_label(words("Coffee and a chat")).check()
    page.get_by_label(words("Short note (optional)")).fill("Kaffe på biblioteket.")
    if concern:
        page.get_by_text(words("I am worried")).click()
        page.get_by_label(words("What worries you?")).fill(concern)
        checker.arrived(page, state="with the concern box open")
    page.get_by_role("button", name=words("Log the meeting")).click()
    page.wait_for_url("**/min-side/moter/")
    checker.arrived(page)
    expected = (
        "Thank you. The meeting is logged, and your coordinator has been told of your concern."
        if concern
        else "Thank you. The meeting is logged."
    )
    assert page.get_by_role("status").filter(has_text=words(expected)).is_visible()
    page.get_by_role("navigation").get_by_role("link", name=words.exact("My page")).click()
    checker.arrived(page)


def test_the_year(people, checker, words, active_match, coordinator_oslo, volunteer_oslo):
    # --- The volunteer, on her phone: three meetings, the last one with a worry -------------
    nora = people(words.language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    assert nora.viewport_size == {"width": 360, "height": 740}
    log_meeting(nora, checker, words, days_ago=21)
    log_meeting(nora, checker, words, days_ago=14)
    log_meeting(nora, checker, words, days_ago=2, concern=CONCERN)
    nora.get_by_role("navigation").get_by_role("link", name=words.exact("Meetings")).click()
    checker.arrived(nora)
    assert nora.locator("main .card").filter(has_text="Amina").count() == 3
    shoot(nora, f"year-meetings-{words.language}")
    # Nothing on her page is wider than her phone.
    assert nora.evaluate("document.documentElement.scrollWidth") <= 360

    # --- The coordinator: the bell, the concern, its follow-up ------------------------------
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    bell = hanne.get_by_role("link", name=re.compile(words("Notifications")))
    assert bell.get_by_text(words("unread")).count() == 1  # the badge: something waits for her
    bell.click()
    hanne.wait_for_url("**/varsler/")
    checker.arrived(hanne)
    hanne.get_by_role(
        "button",
        name=re.compile(re.escape(words("A volunteer has raised a concern. Follow it up."))),
    ).click()
    hanne.wait_for_url("**/koblinger/bekymringer/*/")
    checker.arrived(hanne)
    assert hanne.get_by_text(CONCERN).is_visible()
    shoot(hanne, f"year-concern-{words.language}")
    hanne.get_by_role("button", name=words("Mark as followed up")).click()
    # Saying nothing about what was done is not a follow-up.
    checker.arrived(hanne, state="with an error")
    note = hanne.get_by_label(words("What was done"))
    assert note.get_attribute("aria-invalid") == "true"
    assert Concern.objects.get().followed_up_at is None
    note.fill("Ringte Nora samme dag; hun tar det opp med krisesenteret.")
    hanne.get_by_role("button", name=words("Mark as followed up")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/")
    checker.arrived(hanne)
    assert (
        hanne.get_by_role("status")
        .filter(has_text=words("The concern is marked as followed up."))
        .is_visible()
    )

    # --- A follow-up conversation: the first one planned (after two weeks) -----------------
    first = hanne.locator("#follow-ups + ul > li").first
    assert words("After two weeks") in first.inner_text()
    first.get_by_text(words("Record or move")).click()
    first.get_by_label(words("Held on")).fill(
        (timezone.localdate() - timedelta(days=40)).isoformat()
    )
    first.get_by_label(words("The volunteer")).check()
    first.get_by_label(words("The woman")).check()
    first.get_by_label(words("Note")).fill("Det går fint; de møtes hver uke.")
    checker.arrived(hanne, state="with a follow-up form open")
    first.get_by_role("button", name=words("Record the conversation")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/#follow-ups")
    checker.arrived(hanne)

    # --- The end of the match, and its outcome ----------------------------------------------
    # Ending asks first: its own page says what ending does, with the outcome form.
    hanne.get_by_role("link", name=words("End the match and record the outcome")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/avslutt/")
    checker.arrived(hanne)
    assert hanne.get_by_role("link", name=words("Keep the match")).is_visible()
    end = hanne.locator("main")
    end.get_by_label(words.field("Ended on")).fill(timezone.localdate().isoformat())
    end.get_by_label(words("No, unplanned")).check()
    end.get_by_label(words("Who ended it?")).select_option(label=words("The woman"))
    end.get_by_label(words.field("Reason")).select_option(label=words("She no longer needs it"))
    end.get_by_role("button", name=words("End the match")).click()
    # Without the outcome the programme is measured on, the match is not ended.
    checker.arrived(hanne, state="with an error")
    assert hanne.get_by_text(
        words("Record whether she moved back to the abuser (yes, no or unknown).")
    ).is_visible()
    assert Match.objects.get().status == MatchStatus.ACTIVE
    end = hanne.locator("main")
    assert end.get_by_label(words("Who ended it?")).input_value() == "woman"  # kept
    end.get_by_role("group", name=words("Did she move back to the abuser?")).get_by_label(
        words("No"), exact=True
    ).check()
    end.get_by_role("button", name=words("End the match")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/")
    checker.arrived(hanne)
    assert hanne.get_by_text(words("Moved back to the abuser")).is_visible()
    shoot(hanne, f"year-ended-{words.language}")

    # --- The statistics ---------------------------------------------------------------------
    hanne.get_by_role("navigation").get_by_role("link", name=words("Statistics")).click()
    hanne.wait_for_url("**/statistikk/")
    checker.arrived(hanne)
    row = hanne.get_by_role(
        "row", name=re.compile(re.escape(words("Did not move back to the abuser")))
    )
    assert row.first.get_by_role("cell").last.inner_text().strip() == "1"
    shoot(hanne, f"year-statistics-{words.language}")

    # --- What was stored ---------------------------------------------------------------------
    match = Match.objects.get()
    assert (match.status, match.outcome_moved_back, match.ended_on) == (
        MatchStatus.ENDED,
        "no",
        timezone.localdate(),
    )
    assert Meeting.objects.filter(match=match, met=True, minutes=60).count() == 3
    concern = Concern.objects.get()
    assert concern.followed_up_by == coordinator_oslo and concern.text == CONCERN
    assert FollowUp.objects.get(match=match, kind="2w").done_on == timezone.localdate() - timedelta(
        days=40
    )
