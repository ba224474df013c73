"""The public pages, as anyone finds them: checked like every page of the journeys."""

import pytest

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_public_pages_are_accessible_and_load_nothing_from_elsewhere(people, checker, words):
    page = people(words.language)
    assert page.locator("html").get_attribute("lang") == words.language
    shoot(page, f"public-start-{words.language}")
    for link in (words("Become a ressursvenn"), words("Privacy notice")):
        page.get_by_role("link", name=link).first.click()
        page.wait_for_load_state("load")
        checker.arrived(page)
        page.go_back()
    assert {"/", "/bli-ressursvenn/", "/personvern/"} <= checker.checked


def test_a_required_fields_asterisk_is_not_read_out(people, checker, words):
    """The field says "required" itself; the asterisk after its label is for the eye."""
    page = people(words.language)
    page.get_by_role("link", name=words("Become a ressursvenn")).first.click()
    page.wait_for_load_state("load")
    checker.arrived(page)
    stars = page.locator(".asteriskField")
    assert stars.count() >= 5
    assert stars.evaluate_all("els => els.every(e => e.getAttribute('aria-hidden') === 'true')")
    # Its accessible name, as a screen reader reads it, is the label without the star.
    email = page.get_by_role("textbox", name=words("Email address"), exact=True)
    assert email.evaluate("e => e.required")


def test_the_checker_sees_a_request_to_another_host(people, checker):
    """The guard itself: a page that asks another host for something is caught."""
    page = people("nb")
    page.evaluate("() => { const img = new Image(); img.src = 'http://example.invalid/x.png'; }")
    page.wait_for_timeout(300)
    assert checker.foreign_requests == ["http://example.invalid/x.png"]
    # The content security policy blocks it too, and says so in the console.
    assert any("Content Security Policy" in error for error in checker.console_errors)
    checker.foreign_requests.clear()  # seen: the rest of the page stays under the usual checks
    checker.console_errors.clear()
