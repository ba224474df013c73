"""«Who has seen her data»: the coordinator opens a woman's referral, follows the link to the
log of her case, and narrows the whole access log to the case and to one person."""

import re

import pytest

from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_coordinator_sees_who_has_seen_her_data(
    people, checker, words, active_match, coordinator_oslo
):
    referral = active_match.referral
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    hanne.goto(f"/henvisninger/{referral.public_id}/")
    checker.arrived(hanne)
    hanne.get_by_role("link", name=words.exact("Who has seen her data")).click()
    hanne.wait_for_url(f"**/logg/henvisning/{referral.public_id}/")
    checker.arrived(hanne)
    name = coordinator_oslo.get_full_name()
    row = hanne.get_by_role("row").filter(has_text=name).filter(has_text=words("Viewed"))
    assert row.first.is_visible()
    assert row.first.get_by_text(words("Coordinator"), exact=True).is_visible()
    # The match was made through the services: its changes are in the case's log too.
    assert hanne.get_by_role("cell", name=words("Created")).count() >= 2
    assert "Amina" not in hanne.locator("main").inner_text()
    shoot(hanne, f"case-log-{words.language}")

    # The whole log, narrowed to her case (the id's first 8 characters) and to Hanne herself.
    hanne.get_by_role("navigation").get_by_role("link", name=words("Access log")).click()
    hanne.wait_for_url("**/logg/")
    checker.arrived(hanne)
    hanne.get_by_label(words("Person")).select_option(label=name)
    hanne.get_by_label(words("Case")).fill(str(referral.public_id)[:8])
    hanne.get_by_role("button", name=words.exact("Show")).click()
    hanne.wait_for_url(re.compile(r".*/logg/\?.*sak="))
    checker.arrived(hanne, state="narrowed")
    assert "Amina" not in hanne.url
    records = hanne.locator("main tbody tr")
    assert records.count() >= 1
    for text in records.all_inner_texts():
        assert str(referral.public_id)[:8] in text and name in text
    # A name is not an id: the browser does not send it (the field's pattern), and says why.
    case = hanne.get_by_label(words("Case"))
    case.fill("Amina")
    hanne.get_by_role("button", name=words.exact("Show")).click()
    hanne.wait_for_timeout(300)
    assert "Amina" not in hanne.url
    assert case.evaluate("(field) => field.validity.patternMismatch")
