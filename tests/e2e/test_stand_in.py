"""A stand-in (issue 17): Hanne, a coordinator, marks herself away for a week on her settings
page (first with the last day before the first, refused next to the field). While she is away
Nora, a volunteer, raises a concern from her phone. Berit, the other coordinator of Oslo, is her
stand-in: the concern reaches her and not Hanne, and it comes first on her notifications,
marked as urgent, above her routine ones grouped by kind; its page lets her call the volunteer
and the shelter with a tap."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Absence, Role
from matching.models import Concern
from matching.notifications import CONCERN, NEW_REFERRAL
from notifications import services as notification_services
from notifications.models import Notification
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD, person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORRY = "Hun virket redd i dag og ville ikke si hvorfor."


def test_a_concern_while_she_is_away_reaches_her_stand_in_first_and_marked_urgent(
    people, checker, words, active_match, coordinator_oslo, volunteer_oslo, oslo, make_referral
):
    berit = person(Role.COORDINATOR, place=oslo, first_name="Berit", email="berit@oslo.example")
    # Berit has routine news waiting already: three new referrals.
    for _n in range(3):
        referral = make_referral(oslo)
        notification_services.notify(
            recipients=[berit],
            kind=NEW_REFERRAL,
            link=referral.get_absolute_url(),
            role=Role.COORDINATOR,
            association_id=oslo.pk,
            reference=referral.case_ref,
            email=False,
        )
    today = timezone.localdate()

    # --- Hanne marks herself away -------------------------------------------------------------
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    hanne.get_by_role("link", name=words.exact("Settings")).click()
    hanne.wait_for_url("**/konto/innstillinger/")
    checker.arrived(hanne)
    away = hanne.locator("#borte")
    away.get_by_label(words.field("Away from")).fill((today + timedelta(days=7)).isoformat())
    away.get_by_label(words.field("Away until (the last day)")).fill(today.isoformat())
    with hanne.expect_navigation():
        away.get_by_role("button", name=words("Mark me as away")).click()
    checker.arrived(hanne, state="with an error")
    error = hanne.locator("#borte").get_by_text(
        words("The last day cannot be before the first day.")
    )
    assert error.is_visible()
    assert not Absence.objects.exists()
    shoot(hanne, f"absence-error-{words.language}")
    away = hanne.locator("#borte")
    away.get_by_label(words.field("Away from")).fill(today.isoformat())
    away.get_by_label(words.field("Away until (the last day)")).fill(
        (today + timedelta(days=7)).isoformat()
    )
    with hanne.expect_navigation():
        away.get_by_role("button", name=words("Mark me as away")).click()
    checker.arrived(hanne)
    marked = words("You are marked as away. The other coordinators get your notices.")
    assert hanne.get_by_role("status").filter(has_text=marked).is_visible()
    assert Absence.objects.get().user == coordinator_oslo

    # --- Nora raises a concern from her phone --------------------------------------------------
    nora = people(words.language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    nora.locator("main").get_by_role("link", name=words.exact("I am worried")).click()
    nora.wait_for_url("**/min-side/bekymring/ny/")
    checker.arrived(nora)
    nora.get_by_label(words.field("What happened?")).fill(WORRY)
    nora.get_by_label(words("No"), exact=True).check()
    with nora.expect_navigation():
        nora.get_by_role("button", name=words("Send to my coordinator")).click()
    checker.arrived(nora)
    concern = Concern.objects.get()
    told = Notification.objects.filter(kind=CONCERN).values_list("recipient", flat=True)
    assert list(told) == [berit.pk]  # the stand-in, not Hanne who is away

    # --- Berit, the stand-in: the concern first, marked urgent --------------------------------
    berit_window = people(words.language)
    log_in(berit_window, checker, words, berit, PASSWORD)
    berit_window.get_by_role("link", name=re.compile(words("Notifications"))).click()
    berit_window.wait_for_url("**/varsler/")
    checker.arrived(berit_window)
    main = berit_window.locator("main")
    first = main.locator(".notification").first
    assert "is-urgent" in (first.get_attribute("class") or "")
    label = first.locator(".urgent-label")  # in words, not by colour alone
    assert label.is_visible() and words("Urgent") in (label.text_content() or "")
    notice = words("A volunteer has raised a concern. Follow it up.")
    assert notice in first.inner_text()
    assert active_match.referral.case_ref in first.inner_text()
    assert "Amina" not in main.inner_text()  # never her alias in a row
    # The routine ones: one group with its count, below.
    group = main.get_by_text(
        words.plural("%(count)s new referral", "%(count)s new referrals", 3) % {"count": 3}
    )
    assert group.is_visible()
    assert first.bounding_box()["y"] < group.bounding_box()["y"]
    shoot(berit_window, f"notifications-urgent-{words.language}")

    # She opens it: the numbers to call are a tap away.
    first.get_by_role("button").click()
    berit_window.wait_for_url(f"**/koblinger/bekymringer/{concern.public_id}/")
    checker.arrived(berit_window)
    shoot(berit_window, f"concern-stand-in-{words.language}")
    call = berit_window.locator("#call")
    assert call.locator('a[href^="tel:+47"]').count() >= 1
    assert berit_window.get_by_text(WORRY).is_visible()
