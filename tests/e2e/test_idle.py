"""Typing is activity: a volunteer writing a meeting note on her phone is not logged out in the
middle of it. The page's clock is Playwright's, moved on by hand instead of waited for."""

import pytest

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_writing_a_note_keeps_her_logged_in(people, checker, words, active_match, volunteer_oslo):
    page = people(words.language, phone=True)
    log_in(page, checker, words, volunteer_oslo, PASSWORD)
    page.get_by_role("link", name=words("Log a meeting")).first.click()
    page.wait_for_url("**/min-side/moter/ny/")
    checker.arrived(page)
    page.clock.install()
    page.clock.fast_forward("01:05")  # more than a minute after the page came
    with page.expect_response("**/okt/forleng/") as kept:
        page.get_by_label(words("Short note (optional)")).press_sequentially("Vi tok en kaffe")
    assert kept.value.ok and kept.value.json()["remaining"] > 800
