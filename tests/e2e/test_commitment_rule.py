"""A commitment that ends before the match's year: the batch proposal does not offer her, the
suggestions show her apart with how long is left, and once the coordinator renews her
commitment there she is suggested, and offered in the batch."""

import re
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from matching.models import match_planned_end
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_volunteer_whose_commitment_ends_soon_is_renewed_from_the_suggestions(
    people, checker, words, oslo, coordinator_oslo, make_volunteer, make_referral
):
    language = words.language
    today = timezone.localdate()
    leila = make_referral(oslo, alias="Leila")
    make_referral(oslo, alias="Sara")
    snart = make_volunteer(
        oslo, first_name="Siri", last_name="Snart", commitment_ends=today + timedelta(days=19)
    )
    make_volunteer(oslo, first_name="Hege", last_name="Hele")

    hanne = people(language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    checker.arrived(hanne, state="logged in")

    # --- The batch: two women wait, but Siri is not offered: one row has nobody --------------
    hanne.goto("/koblinger/forslag/")
    checker.arrived(hanne)
    rows = hanne.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(hanne.locator("tbody")).not_to_contain_text("Siri Snart")
    expect(hanne.locator("tbody")).to_contain_text("Hege Hele")
    expect(hanne.get_by_text(words("Nobody eligible is free"))).to_have_count(1)
    expect(hanne.get_by_role("button", name=words.exact("Accept"))).to_have_count(1)

    # --- The suggestions for Leila: Siri is shown apart, with how long is left -----------------
    rows.filter(has_text="Leila").get_by_role("link", name="Leila").click()
    hanne.wait_for_url(f"**/henvisninger/{leila.public_id}/forslag/")
    checker.arrived(hanne)
    suggested = hanne.locator("article.suggestion")
    expect(suggested).to_have_count(1)
    expect(suggested).to_contain_text("Hege Hele")
    apart = hanne.locator("#commitment-short")
    expect(
        apart.get_by_role(
            "heading",
            name=words("Not eligible: her commitment ends before the match's planned year"),
        )
    ).to_be_visible()
    card = apart.locator("article").filter(has_text="Siri Snart")
    left = words.plural(
        "Her commitment ends in %(n)s day", "Her commitment ends in %(n)s days", 19
    ) % {"n": 19}
    expect(card.get_by_text(left)).to_be_visible()
    # No plain "Propose" for her: only a renewal, or a shorter match on purpose.
    propose_siri = re.compile(rf"^\s*{re.escape(words('Propose %(name)s') % {'name': 'Siri'})}\s*$")
    expect(hanne.get_by_role("button", name=propose_siri)).to_have_count(0)
    expect(
        card.get_by_role(
            "button", name=words("Propose %(name)s for a shorter match") % {"name": "Siri"}
        )
    ).to_be_visible()

    # --- She renews Siri's commitment from here, and is back at the suggestions ---------------
    card.get_by_role("button", name=words("Renew %(name)s's commitment") % {"name": "Siri"}).click()
    hanne.wait_for_url(f"**/henvisninger/{leila.public_id}/forslag/")
    period = snart.commitments.open().get()
    assert period.ends_on >= match_planned_end(today)
    with translation.override(language):
        until = formats.date_format(period.ends_on, "SHORT_DATE_FORMAT")
    said = words("%(name)s's commitment is renewed until %(date)s.") % {
        "name": "Siri",
        "date": until,
    }
    expect(hanne.get_by_role("status").filter(has_text=said)).to_be_visible()
    checker.arrived(hanne, state="renewed")
    expect(hanne.locator("#commitment-short")).to_have_count(0)
    expect(suggested).to_have_count(2)
    expect(suggested.filter(has_text="Siri Snart")).to_have_count(1)
    expect(hanne.get_by_role("button", name=propose_siri)).to_be_visible()

    # --- The batch now offers her too: both women have someone --------------------------------
    hanne.goto("/koblinger/forslag/")
    checker.arrived(hanne, state="renewed")
    expect(hanne.locator("tbody")).to_contain_text("Siri Snart")
    expect(hanne.get_by_text(words("Nobody eligible is free"))).to_have_count(0)
    expect(hanne.get_by_role("button", name=re.compile(words("Accept")))).to_have_count(2)
