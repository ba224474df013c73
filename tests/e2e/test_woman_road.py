"""The woman's road: the shelter refers her with her consent, the coordinator finds a
volunteer among the suggestions and proposes her, the volunteer confirms on her phone that she
knows neither the woman nor the abuser, the coordinator plans and records the first meeting,
and the shelter sees the match under way with the volunteer's first name only."""

import re
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from common.dates import add_years
from matching.models import Match, MatchStatus, Referral, ReferralStatus
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD
from volunteers.models import Availability, ConfidentialityDeclaration, Strength

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ALIAS = "Leila"
FIRST_NAME, LAST_NAME = "Nora", "Fjellheim"


@pytest.fixture
def volunteers(oslo, volunteer_oslo, make_volunteer):
    """Nora, who has a login, and two others who may be matched too: a real list to choose from.
    All three are approved ressursvenner: trained, in their year, and have signed the
    confidentiality declaration."""
    signed = {
        "confidentiality_version": ConfidentialityDeclaration.objects.create(
            version=1, text="Jeg har taushetsplikt."
        ),
        "confidentiality_signed_on": timezone.localdate() - timedelta(days=30),
    }
    nora = make_volunteer(
        oslo,
        **signed,
        user=volunteer_oslo,
        first_name=FIRST_NAME,
        last_name=LAST_NAME,
        strengths=Strength.HOUSING | Strength.NORWEGIAN_PRACTICE,
        availability=Availability.WEEKDAY_EVENING,
    )
    make_volunteer(
        oslo, first_name="Kari", last_name="Nordmann", municipality_number="3201", **signed
    )
    make_volunteer(
        oslo, first_name="Berit", last_name="Lien", strengths=Strength.FINANCES, **signed
    )
    volunteer_oslo.last_name = LAST_NAME
    volunteer_oslo.save(update_fields=["last_name"])
    return nora


def test_the_womans_road(
    people, checker, words, oslo, shelter_worker_oslo, coordinator_oslo, volunteer_oslo, volunteers
):
    language = words.language

    def said(page, msgid: str, **values):
        """The message the page shows after an action (announced politely)."""
        return page.get_by_role("status").filter(has_text=words(msgid) % values)

    def short_date(day) -> str:
        with translation.override(language):
            return formats.date_format(day, "SHORT_DATE_FORMAT")

    def field(page, msgid: str):
        """The field labelled exactly so (a required field's label ends in an asterisk)."""
        return page.get_by_label(re.compile(rf"^\s*{re.escape(words(msgid))}\*?\s*$"))

    # --- The shelter worker refers her ----------------------------------------------------------
    camilla = people(language)
    log_in(camilla, checker, words, shelter_worker_oslo, PASSWORD)
    checker.arrived(camilla, state="logged in")  # her start page has the landing page's address
    camilla.locator("main").get_by_role("link", name=words.exact("New referral")).click()
    camilla.wait_for_url("**/henvisninger/ny/")
    checker.arrived(camilla)
    camilla.get_by_label(words("Alias or first name")).fill(ALIAS)
    camilla.get_by_role("radio", name="26–35").check()
    camilla.get_by_label(words("Municipality where she will live")).fill("Oslo")
    camilla.get_by_label(words("Housing"), exact=True).check()
    camilla.get_by_label(words("Norwegian practice"), exact=True).check()
    camilla.get_by_label(words("Weekday evenings"), exact=True).check()
    assert camilla.get_by_label(words("She consented on")).input_value() == (
        timezone.localdate().isoformat()
    )
    shoot(camilla, f"woman-referral-form-{language}")

    # Sent without her consent ticked: nothing is saved, the message is at the box, and what
    # she typed is still there.
    camilla.get_by_role("button", name=words("Send referral")).click()
    consent = camilla.get_by_label(
        words("She has consented to this referral, and I record her consent.")
    )
    expect(consent).to_have_attribute("aria-invalid", "true")
    checker.arrived(camilla, state="with an error")
    message = words("A referral cannot be saved without her consent.")
    expect(camilla.get_by_text(message)).to_be_visible()
    expect(consent).to_have_accessible_description(re.compile(re.escape(message)))
    assert camilla.get_by_label(words("Alias or first name")).input_value() == ALIAS
    assert camilla.get_by_label(words("Housing"), exact=True).is_checked()
    assert not Referral.objects.exists()

    consent.check()
    camilla.get_by_role("button", name=words("Send referral")).click()
    camilla.wait_for_url(re.compile(r"/henvisninger/[0-9a-f-]{36}/$"))  # hers, not the form
    checker.arrived(camilla)
    expect(
        said(
            camilla,
            "The referral is sent to %(association)s. You can follow it here.",
            association=oslo.name,
        )
    ).to_be_visible()
    referral = Referral.objects.get()
    assert (referral.alias, referral.status, referral.created_by) == (
        ALIAS,
        ReferralStatus.RECEIVED,
        shelter_worker_oslo,
    )

    # --- The coordinator: her start page, the queue, the suggestions --------------------------
    hanne = people(language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    checker.arrived(hanne, state="logged in")
    # Once more from the menu, as she comes back to it during the day (without the login message).
    hanne.get_by_role("navigation").get_by_role("link", name=words.exact("Start")).click()
    expect(hanne.locator(".messages")).to_have_count(0)
    waiting = hanne.get_by_role(
        "link",
        name=re.compile(
            re.escape(
                words.plural(
                    "referral waiting for a volunteer", "referrals waiting for a volunteer", 1
                )
            )
        ),
    )
    assert waiting.locator(".count").inner_text().strip() == "1"
    shoot(
        hanne,
        "coordinator-start" if language == "nb" else "coordinator-start-en",
        docs=language == "nb",
    )
    waiting.click()
    hanne.wait_for_url("**/henvisninger/?vis=venter")
    checker.arrived(hanne)
    shoot(hanne, f"woman-queue-{language}")
    hanne.get_by_role("link", name=ALIAS, exact=True).click()
    hanne.wait_for_url(f"**/henvisninger/{referral.public_id}/")
    checker.arrived(hanne)
    hanne.get_by_role("button", name=words("Take the referral and find a volunteer")).click()
    hanne.wait_for_url(f"**/henvisninger/{referral.public_id}/forslag/")
    checker.arrived(hanne)
    suggestions = hanne.locator("article.suggestion")
    assert suggestions.count() == 3
    shoot(hanne, "suggestions" if language == "nb" else "suggestions-en", docs=language == "nb")

    # Why Nora: she lives where Leila will live, and can help with both her needs.
    card = suggestions.filter(has_text=f"{FIRST_NAME} {LAST_NAME}")
    expect(card.get_by_text(words("Lives in the same municipality"))).to_be_visible()
    needs = ", ".join(words(label).lower() for label in ("Housing", "Norwegian practice"))
    reason = words("Can help with %(covered)s of %(total)s needs: %(list)s") % {
        "covered": 2,
        "total": 2,
        "list": needs,
    }
    expect(card.get_by_text(reason)).to_be_visible()
    card.get_by_role("button", name=words("Propose %(name)s") % {"name": FIRST_NAME}).click()
    hanne.wait_for_url("**/koblinger/*/")
    checker.arrived(hanne)
    expect(
        said(
            hanne,
            "%(name)s is proposed. She is asked to confirm that she knows neither the woman nor the abuser.",
            name=FIRST_NAME,
        )
    ).to_be_visible()
    # Nothing can be planned before she has answered.
    expect(hanne.get_by_role("button", name=words("Plan the first meeting"))).to_be_disabled()
    match_url = hanne.url

    # --- The volunteer, on her phone: she knows neither of them -------------------------------
    nora = people(language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    expect(nora.get_by_text(words("A proposal waiting for your answer"))).to_be_visible()
    nora.get_by_role("link", name=ALIAS, exact=True).click()
    nora.wait_for_url("**/min-side/kobling/#kobling-*")  # at the card of this match
    checker.arrived(nora)
    shoot(nora, f"woman-proposal-{language}")
    nora.get_by_role("button", name=words("I know neither her nor the abuser")).click()
    expect(
        said(nora, "Thank you. Your coordinator will plan the first meeting with you.")
    ).to_be_visible()
    checker.arrived(nora, state="answered")
    assert Match.objects.get().conflict_checked_at is not None

    # --- The coordinator hears of it, plans the first meeting and records it ------------------
    hanne.get_by_role("link", name=re.compile(re.escape(words("Notifications")))).click()
    hanne.wait_for_url("**/varsler/")
    checker.arrived(hanne)
    hanne.get_by_role(
        "button",
        name=re.compile(
            re.escape(words("A volunteer has said yes to a proposal. Plan the first meeting."))
        ),
    ).click()
    hanne.wait_for_url(match_url)
    checker.arrived(hanne, state="answered")
    today = timezone.localdate()
    field(hanne, "Date").fill(today.isoformat())
    field(hanne, "Time").fill("10:00")
    assert field(hanne, "Place").input_value() == "Oslo krisesenter"
    hanne.get_by_role("button", name=words("Plan the first meeting")).click()
    expect(
        said(
            hanne,
            "The first meeting is planned. "
            "The shelter can now see the volunteer's first name and phone.",
        )
    ).to_be_visible()
    checker.arrived(hanne, state="first meeting planned")
    # The first meeting has taken place: the coordinator records it, and their year begins.
    took_place = hanne.get_by_label(words("The first meeting took place on"))
    assert took_place.input_value() == today.isoformat()
    hanne.get_by_role("button", name=words("Make the match active")).click()
    expect(said(hanne, "The match is active. Their year has started.")).to_be_visible()
    checker.arrived(hanne, state="active")
    match = Match.objects.select_related("referral").get()
    assert (match.status, match.volunteer, match.proposed_by, match.started_on) == (
        MatchStatus.ACTIVE,
        volunteers,
        coordinator_oslo,
        today,
    )
    assert match.planned_end_on == add_years(today, 1)
    assert match.referral.status == ReferralStatus.ACTIVE
    dates = {"start": short_date(match.started_on), "end": short_date(match.planned_end_on)}
    expect(hanne.locator("h1 + .status-badge")).to_have_text(words("Active", "match status"))
    active_since = words("Active since %(start)s, planned end %(end)s.") % dates
    expect(hanne.get_by_text(active_since)).to_be_visible()
    shoot(hanne, f"woman-match-active-{language}")

    # --- The volunteer sees their year has begun ----------------------------------------------
    nora.get_by_role("navigation").get_by_role("link", name=words.exact("My match")).click()
    nora.wait_for_url("**/min-side/kobling/")
    checker.arrived(nora, state="active")
    expect(nora.get_by_text(words("Matched from %(start)s to %(end)s.") % dates)).to_be_visible()

    # --- The shelter worker sees the status and the volunteer's first name, not her surname ---
    camilla.get_by_role("navigation").get_by_role("link", name=words.exact("Start")).click()
    camilla.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    checker.arrived(camilla, state="logged in")
    row = camilla.get_by_role("row", name=re.compile(re.escape(ALIAS)))
    expect(row.get_by_text(words("Active", "referral status"), exact=True)).to_be_visible()
    assert FIRST_NAME in row.inner_text()
    assert LAST_NAME not in camilla.content()
    row.get_by_role("link", name=ALIAS, exact=True).click()
    camilla.wait_for_url(f"**/henvisninger/{referral.public_id}/")
    checker.arrived(camilla, state="active")
    volunteer_card = camilla.get_by_role("region", name=words("Her ressursvenn"))
    expect(volunteer_card).to_contain_text(FIRST_NAME)
    expect(camilla.locator("h1 + .status-badge")).to_have_text(words("Active", "referral status"))
    assert LAST_NAME not in camilla.content()
    shoot(camilla, f"woman-shelter-view-{language}")
