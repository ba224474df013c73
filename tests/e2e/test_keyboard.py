"""The keyboard alone: a volunteer logs in and logs a meeting with a worry using only Tab,
Enter, Space and the arrow keys. On every page, Tab reaches everything that can be used, in
order, and the focused element can always be seen."""

import pytest

from matching.models import Activity, Concern, Meeting
from tests.e2e.conftest import shoot, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Where focus is, and whether it shows: an outline on the element, or, for the chips (a
# visually hidden radio or checkbox), on the label drawn in its place.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.kb) el.dataset.kb = String(Math.random()).slice(2);
  const shows = (node) => {
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    return box.width > 2 && box.height > 2 && style.opacity !== '0' && style.visibility !== 'hidden'
      && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  };
  const label = el.labels && el.labels[0];
  return {
    id: el.type === 'radio' ? `radio:${el.name}` : el.dataset.kb,
    name: (el.getAttribute('aria-label') || el.innerText || (label && label.innerText) || el.name || '').trim().slice(0, 60),
    visible: shows(el) || Boolean(label && shows(label)),
  };
}"""

# Back to the top, as after loading the page: the next Tab goes to the first stop.
TOP = """() => {
  const root = document.documentElement;
  root.setAttribute('tabindex', '-1');
  root.focus();
  root.removeAttribute('tabindex');
}"""

# Everything a person could use on the page, as she sees it.
USABLE = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'
)].filter((el) => {
  if (el.disabled || el.closest('[hidden], [inert]')) return false;
  const closed = el.closest('details:not([open])');
  if (closed && el.tagName !== 'SUMMARY') return false;
  if (el.tagName === 'SUMMARY' && el.parentElement.closest('details:not([open])')) return false;
  const box = (el.labels && el.labels[0] && el.getBoundingClientRect().width <= 2)
    ? el.labels[0].getBoundingClientRect() : el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
    || el.classList.contains('skip-link');
}).map((el) => {
  if (el.type === 'radio') return `radio:${el.name}`;  // a group is one stop; arrows move in it
  if (!el.dataset.kb) el.dataset.kb = String(Math.random()).slice(2);
  return el.dataset.kb;
})"""


def tab_through(page) -> list[dict]:
    """Tab from the top of the page to the end; every stop must show its focus, and every
    usable element must be among the stops."""
    page.evaluate(TOP)
    stops: list[dict] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None or (stops and focus["id"] == stops[0]["id"]):
            break
        assert focus["visible"], f"{page.url}: focus cannot be seen on {focus['name']!r}"
        stops.append(focus)
    reached = {stop["id"] for stop in stops}
    unreachable = [kb for kb in page.evaluate(USABLE) if kb not in reached]
    names = page.evaluate(
        "(ids) => ids.map((id) => id.startsWith('radio:') ? id"
        " : document.querySelector(`[data-kb='${id}']`).outerHTML.slice(0, 120))",
        unreachable,
    )
    assert not unreachable, f"{page.url}: not reachable with Tab: {names}"
    return stops


def tab_to(page, name: str, *, limit: int = 120) -> None:
    """Press Tab until the element whose name starts with `name` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus and focus["name"].startswith(name):
            return
    raise AssertionError(f"{page.url}: Tab never reached {name!r}")


def test_a_meeting_logged_with_the_keyboard_alone(
    people, checker, words, active_match, volunteer_oslo
):
    page = people(words.language)

    # The first Tab on any page offers to skip to the content, and shows itself.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS)["name"] == words("Skip to main content")
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    tab_through(page)

    tab_to(page, words("Log in"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/logg-inn/")
    checker.arrived(page)
    tab_through(page)
    tab_to(page, words("Email"))
    page.keyboard.type(volunteer_oslo.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # The second step: the code from her app, typed into the field that has focus.
    page.wait_for_url("**/totrinn/bekreft/")
    checker.arrived(page)
    tab_through(page)
    tab_to(page, words("Code"))
    page.keyboard.type(totp_code(volunteer_oslo.totp_secret))
    page.keyboard.press("Enter")
    page.wait_for_url("**/min-side/")
    checker.arrived(page)
    tab_through(page)

    tab_to(page, words("Log a meeting"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/min-side/moter/ny/")
    checker.arrived(page)
    tab_through(page)

    # Today's date is filled in. "Yes, we met" is chosen; the arrow key moves from one hour to
    # two; Space ticks an activity; Enter opens "I am worried".
    tab_to(page, words("1 hour"))
    page.keyboard.press("ArrowRight")
    assert page.get_by_label(words("2 hours")).is_checked()
    tab_to(page, words("Coffee and a chat"))
    page.keyboard.press("Space")
    tab_to(page, words("Norwegian practice"))
    page.keyboard.press("Space")
    tab_to(page, words("Short note (optional)"))
    page.keyboard.type("Gikk tur og øvde på norsk.")
    tab_to(page, words("I am worried"))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("Hun har ikke fått svar fra NAV om bolig.")
    checker.arrived(page, state="with the concern box open")
    tab_through(page)  # the opened box is in the order too
    shoot(page, f"keyboard-meeting-form-{words.language}")
    tab_to(page, words("Log the meeting"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/min-side/moter/")
    checker.arrived(page)
    tab_through(page)

    meeting = Meeting.objects.get()
    assert (meeting.minutes, meeting.activities) == (120, Activity.COFFEE | Activity.NORWEGIAN)
    assert meeting.note == "Gikk tur og øvde på norsk."
    assert Concern.objects.get().text == "Hun har ikke fått svar fra NAV om bolig."
