"""The national admin changes a programme list in her browser (issue 17): new names, a new
place, an entry deactivated and one added, with axe on every page, in both languages."""

import pytest

from accounts.models import ListEntry
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from volunteers.models import NEEDS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_national_admin_changes_the_needs(people, checker, words, language, national_admin):
    page = people(language)
    log_in(page, checker, words, national_admin, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name=words.exact("Lists")).click()
    page.wait_for_url("**/lister/")
    checker.arrived(page)
    page.get_by_role("link", name=words("Needs and strengths")).click()
    page.wait_for_url("**/lister/behov/")
    checker.arrived(page)

    # New names for "Housing".
    housing = words("Housing")
    page.get_by_role("row").filter(has_text=housing).get_by_role(
        "link", name=words("Change the names")
    ).click()
    page.wait_for_url("**/lister/behov/4/")
    checker.arrived(page)
    page.get_by_label(words.field("Name in Norwegian")).fill("Bolig og flytting")
    page.get_by_label(words.field("Name in English")).fill("Housing and moving")
    page.get_by_role("button", name=words("Save the names")).click()
    page.wait_for_url("**/lister/behov/")
    checker.arrived(page, state="after a change")
    renamed = "Housing and moving" if language == "en" else "Bolig og flytting"

    # One place up, then out of use.
    row = page.get_by_role("row").filter(has_text=renamed)
    row.get_by_role("button", name=words("Move up")).click()
    page.wait_for_load_state("load")
    row.get_by_role("button", name=words("Deactivate")).click()
    page.wait_for_load_state("load")
    assert page.get_by_text(words("Deactivated"), exact=True).is_visible()

    # A new need at the end.
    page.get_by_label(words.field("Name in Norwegian")).fill("Førerkort")
    page.get_by_label(words.field("Name in English")).fill("Driving licence")
    page.get_by_role("button", name=words("Add the entry")).click()
    page.wait_for_load_state("load")
    checker.arrived(page, state="after adding")

    row = ListEntry.objects.get(list_key="needs", value="4")
    assert (row.name_nb, row.name_en, row.position, row.active) == (
        "Bolig og flytting",
        "Housing and moving",
        1,
        False,
    )
    assert NEEDS.entries()[-1].name_en == "Driving licence"
