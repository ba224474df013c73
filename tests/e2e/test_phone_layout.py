"""The phone (issue 16): on a 360 × 740 screen every tap target in the header and the menu is at
least 44 × 44 px, «Log out» stands apart from the other actions, and the lists that become
stacked cards wrap names between words and keep a phone number on one line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching import services
from reports.models import AnnualReport, AnnualStatus
from tests.e2e.conftest import Words, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Long enough to need two lines beside a label on a phone, as real names do.
FIRST_NAME = "Marie-Christine Abdirahman"
LAST_NAME = "Haugen-Kristiansen"
PHONE = "+4795310581"
ALIAS = "Amalie Fredrikke Sandvik"

# Every link and button of the header and the main menu that can be seen: its size.
TAP_TARGETS = """() =>
  [...document.querySelectorAll('.site-header a, .site-header button, .site-nav a')]
    .filter((element) => element.getClientRects().length && !element.closest('.visually-hidden'))
    .map((element) => {
      const box = element.getBoundingClientRect();
      return {text: element.innerText.trim() || element.getAttribute('href'),
              width: box.width, height: box.height};
    })
"""

# Each word of every stacked cell (split at spaces and hyphens, the places a name may wrap),
# and every phone number as a whole: those that are spread over more than one line.
BROKEN_WORDS = """() => {
  const broken = [];
  const lines = (range) =>
    new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
  for (const cell of document.querySelectorAll('.table-stack td, .table-stack tbody th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-·]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (lines(range) > 1) broken.push(match[0]);
      }
    }
    for (const link of cell.querySelectorAll('a[href^="tel:"]')) {
      const range = document.createRange();
      range.selectNodeContents(link);
      if (lines(range) > 1) broken.push(link.textContent.trim());
    }
  }
  return broken;
}
"""


def assert_tap_targets(page) -> None:
    targets = page.evaluate(TAP_TARGETS)
    assert len(targets) >= 4, targets  # the bell, settings, the language, log out, the menu
    small = [t for t in targets if t["width"] < 44 or t["height"] < 44]
    assert not small, f"tap targets smaller than 44 × 44 px: {small}"


def assert_log_out_apart(page, words) -> None:
    log_out = page.get_by_role("button", name=words.exact("Log out"))
    box = log_out.bounding_box()
    others = page.evaluate(
        """(name) => [...document.querySelectorAll('.site-header a, .site-header button')]
          .filter((element) => element.innerText.trim() !== name && element.getClientRects().length
                  && !element.closest('.visually-hidden'))
          .map((element) => element.getBoundingClientRect().toJSON())""",
        words("Log out"),
    )
    for other in others:
        same_row = other["top"] < box["y"] + box["height"] and box["y"] < other["bottom"]
        if same_row:
            gap = max(box["x"] - other["right"], other["left"] - (box["x"] + box["width"]))
            assert gap >= 16, f"«Log out» is {gap:.0f} px from another action"
    # The last action of the header, after the ones tapped every day.
    last = page.evaluate(
        "() => [...document.querySelectorAll('.header-actions a, .header-actions button')]"
        ".pop().innerText.trim()"
    )
    assert last == words("Log out")


def assert_cells_whole(page, *texts: str) -> None:
    stacked = page.locator(".table-stack").first
    for text in texts:
        assert stacked.get_by_text(text).count(), f"{text!r} is not in the stacked list"
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_header_and_the_stacked_lists_on_a_phone(
    people,
    checker,
    oslo,
    coordinator_oslo,
    shelter_worker_oslo,
    volunteer_oslo,
    make_volunteer,
    make_referral,
):
    words = Words("nb")
    volunteer = make_volunteer(
        oslo, user=volunteer_oslo, first_name=FIRST_NAME, last_name=LAST_NAME, phone=PHONE
    )
    referral = make_referral(oslo, alias=ALIAS)
    match = services.match_propose(referral=referral, volunteer=volunteer, by=coordinator_oslo)
    services.match_confirm_conflict_check(match=match, by=volunteer_oslo)
    services.match_plan_first_meeting(
        match=match, at=timezone.now() + timedelta(days=2), place="Kafé", by=coordinator_oslo
    )

    # The shelter's start page: her referrals, with the ressursvenn's first name and phone.
    shelter = people("nb", phone=True)
    log_in(shelter, checker, words, shelter_worker_oslo, PASSWORD)
    assert_tap_targets(shelter)
    assert_log_out_apart(shelter, words)
    assert_cells_whole(shelter, ALIAS, "+47 95 31 05 81")

    # The coordinator's list of volunteers: her full name.
    coordinator = people("nb", phone=True)
    log_in(coordinator, checker, words, coordinator_oslo, PASSWORD)
    assert_tap_targets(coordinator)
    coordinator.goto("/frivillige/")
    checker.arrived(coordinator)
    assert_cells_whole(coordinator, f"{FIRST_NAME} {LAST_NAME}")
    # Her annual reports: a stacked list too, nothing wider than the phone.
    AnnualReport.objects.create(
        year=2025,
        association=oslo,
        requested_by=coordinator_oslo,
        status=AnnualStatus.DONE,
        progress=100,
        pdf=b"%PDF-",
        xlsx=b"PK",
    )
    coordinator.goto("/statistikk/arsrapport/")
    checker.arrived(coordinator)
    assert_cells_whole(coordinator, "Oslo Sanitetsforening", "Excel-arbeidsbok")

    # The volunteer's menu, with «Need help now?».
    nora = people("nb", phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    assert_tap_targets(nora)
    assert_log_out_apart(nora, words)
