"""The national admin sets up a new local association in the product's own pages: she creates
it with the municipalities it covers (typed as she would, "Asker kommune"), is told beside the
field about a municipality that does not exist, and invites its first coordinator, whose
invitation email arrives. Django's admin is never opened."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Association, Invitation, Role
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAME = "Asker og Bærum Sanitetsforening"
COORDINATOR_EMAIL = "liv.koordinator@example.no"


def submit(page, checker, button) -> None:
    with page.expect_navigation():
        button.click()
    checker.arrived(page)


def test_the_national_admin_creates_an_association_and_invites_its_first_coordinator(
    people, checker, words, national_admin
):
    ingrid = people(words.language)
    log_in(ingrid, checker, words, national_admin, PASSWORD)

    # --- From the menu to the associations, in the product's own pages ------------------------
    menu = ingrid.get_by_role("navigation", name=words("Main menu"))
    menu.get_by_role("link", name=words.exact("Administration")).click()
    ingrid.wait_for_url("**/admin-nks/")
    checker.arrived(ingrid)
    ingrid.locator("main").get_by_role("link", name=words("Local associations")).click()
    ingrid.wait_for_url("**/admin-nks/foreninger/")
    checker.arrived(ingrid)
    ingrid.get_by_role("link", name=words.exact("New association")).click()
    ingrid.wait_for_url("**/admin-nks/foreninger/ny/")
    checker.arrived(ingrid)

    # --- A municipality that does not exist: told beside the field, nothing lost --------------
    form = ingrid.locator("main form")
    form.get_by_label(words.field("Name")).fill(NAME)
    municipalities = form.get_by_label(words.field("Municipalities covered"))
    municipalities.fill("Asker kommune, Bærum, Gotham")
    submit(ingrid, checker, form.get_by_role("button", name=words.exact("Create association")))
    expect(ingrid.locator("main")).to_contain_text(
        words("We could not find these municipalities: %(names)s.") % {"names": "Gotham"}
    )
    expect(form.get_by_label(words.field("Name"))).to_have_value(NAME)
    expect(municipalities).to_have_value("Asker kommune, Bærum, Gotham")
    assert not Association.objects.filter(name=NAME).exists()
    shoot(ingrid, f"national-association-error-{words.language}")

    municipalities.fill("Asker kommune, Bærum")
    submit(ingrid, checker, form.get_by_role("button", name=words.exact("Create association")))
    expect(ingrid.get_by_role("status")).to_contain_text(
        words("«%(name)s» is created.") % {"name": NAME}
    )
    association = Association.objects.get(name=NAME)
    assert sorted(association.municipalities.values_list("name", flat=True)) == ["Asker", "Bærum"]
    assert f"/admin-nks/foreninger/{association.public_id}/" in ingrid.url
    expect(ingrid.locator("main")).to_contain_text(
        words("The association has no coordinator yet. Invite the first one.")
    )

    # --- Her first coordinator, invited from the association's page ---------------------------
    ingrid.get_by_role("link", name=words.exact("Invite a coordinator")).click()
    ingrid.wait_for_url("**/admin-nks/personer/inviter/**")
    checker.arrived(ingrid)
    invite = ingrid.locator("main form")
    expect(invite.get_by_label(words.field("Role"))).to_have_value(Role.COORDINATOR)
    expect(invite.get_by_label(words.field("Local association"))).to_have_value(
        str(association.public_id)
    )
    invite.get_by_label(words.field("Email address")).fill(COORDINATOR_EMAIL)
    invite.get_by_label(words.field("First name")).fill("Liv")
    shoot(ingrid, f"national-invite-{words.language}")
    submit(ingrid, checker, invite.get_by_role("button", name=words.exact("Send invitation")))
    expect(ingrid.get_by_role("status")).to_contain_text(
        words("The invitation was sent to %(email)s.") % {"email": COORDINATOR_EMAIL}
    )
    assert f"/admin-nks/foreninger/{association.public_id}/" in ingrid.url
    expect(ingrid.locator("main")).to_contain_text(COORDINATOR_EMAIL)

    invitation = Invitation.objects.get(email=COORDINATOR_EMAIL)
    assert invitation.role == Role.COORDINATOR and invitation.association == association
    email = next(m for m in mail.outbox if m.to == [COORDINATOR_EMAIL])
    assert re.search(r"https?://\S+/invitasjon/\S+", email.body)
    # Never Django's admin on the way.
    assert "/admin/" not in ingrid.url

    # --- The other pages of her administration, each checked with axe -------------------------
    for link, address in (
        ("People and roles", "**/admin-nks/personer/"),
        ("Crisis shelters", "**/admin-nks/krisesentre/"),
        ("Course catalogue", "**/admin-nks/kurs/"),
        ("Emails that could not be delivered", "**/admin-nks/eposter-som-feilet/"),
    ):
        menu.get_by_role("link", name=words.exact("Administration")).click()
        ingrid.wait_for_url("**/admin-nks/")
        ingrid.locator("main").get_by_role("link", name=words(link)).click()
        ingrid.wait_for_url(address)
        checker.arrived(ingrid)
        if link == "People and roles":
            ingrid.locator("main table").get_by_role("link").first.click()
            ingrid.wait_for_url("**/admin-nks/personer/*/")
            checker.arrived(ingrid)
        elif link == "Crisis shelters":
            ingrid.get_by_role("link", name=words.exact("New crisis shelter")).click()
            ingrid.wait_for_url("**/admin-nks/krisesentre/ny/")
            checker.arrived(ingrid)
        elif link == "Course catalogue":
            ingrid.locator("main table").get_by_role("link").first.click()
            ingrid.wait_for_url("**/admin-nks/kurs/*/")
            checker.arrived(ingrid)
