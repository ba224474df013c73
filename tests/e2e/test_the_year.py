"""The year: the volunteer logs meetings on her phone, one with a concern; the coordinator
follows the concern up, records a follow-up conversation, ends the match with its outcome, and
finds it in the statistics."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from matching.models import Concern, FollowUp, Match, MatchStatus, Meeting
from reports.models import AnnualReport, AnnualStatus
from tests.e2e.conftest import Words, log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONCERN = "Hun virket redd i dag og sa at han har ringt henne igjen."


def log_meeting(page, checker, words, *, days_ago: int, concern: str = "") -> None:
    """On her phone, from her start page: date, how long, what they did, and maybe a worry."""
    page.get_by_role("link", name=words("Log a meeting")).first.click()
    page.wait_for_url("**/min-side/moter/ny/")
    checker.arrived(page)
    day = timezone.localdate() - timedelta(days=days_ago)
    page.get_by_label(words("Date")).fill(day.isoformat())
    page.get_by_label(words("1 hour")).check()
    page.get_by_label(words("Coffee and a chat")).check()
    page.get_by_label(words("Short note (optional)")).fill("Kaffe på biblioteket.")
    if concern:
        page.get_by_text(words("I am worried")).click()
        page.get_by_label(words("What worries you?")).fill(concern)
        checker.arrived(page, state="with the concern box open")
    page.get_by_role("button", name=words("Log the meeting")).click()
    page.wait_for_url("**/min-side/moter/")
    checker.arrived(page)
    expected = (
        "Thank you. The meeting is logged, and your coordinator has been told of your concern."
        if concern
        else "Thank you. The meeting is logged."
    )
    assert page.get_by_role("status").filter(has_text=words(expected)).is_visible()
    page.get_by_role("navigation").get_by_role("link", name=words.exact("My page")).click()
    checker.arrived(page)


def test_the_year(
    people, checker, words, active_match, coordinator_oslo, volunteer_oslo, national_admin
):
    # --- The volunteer, on her phone: three meetings, the last one with a worry -------------
    nora = people(words.language, phone=True)
    log_in(nora, checker, words, volunteer_oslo, PASSWORD)
    assert nora.viewport_size == {"width": 360, "height": 740}
    log_meeting(nora, checker, words, days_ago=21)
    log_meeting(nora, checker, words, days_ago=14)
    log_meeting(nora, checker, words, days_ago=2, concern=CONCERN)
    nora.get_by_role("navigation").get_by_role("link", name=words.exact("Meetings")).click()
    checker.arrived(nora)
    assert nora.locator("main .card").filter(has_text="Amina").count() == 3
    shoot(nora, f"year-meetings-{words.language}")
    # Nothing on her page is wider than her phone.
    assert nora.evaluate("document.documentElement.scrollWidth") <= 360

    # --- The coordinator: the bell, the concern, its follow-up ------------------------------
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    bell = hanne.get_by_role("link", name=re.compile(words("Notifications")))
    assert bell.get_by_text(words("unread")).count() == 1  # the badge: something waits for her
    bell.click()
    hanne.wait_for_url("**/varsler/")
    checker.arrived(hanne)
    hanne.get_by_role(
        "button",
        name=re.compile(re.escape(words("A volunteer has raised a concern. Follow it up."))),
    ).click()
    hanne.wait_for_url("**/koblinger/bekymringer/*/")
    checker.arrived(hanne)
    assert hanne.get_by_text(CONCERN).is_visible()
    shoot(hanne, f"year-concern-{words.language}")
    hanne.get_by_role("button", name=words("Mark as followed up")).click()
    # Saying nothing about what was done is not a follow-up.
    checker.arrived(hanne, state="with an error")
    note = hanne.get_by_label(words("What was done"))
    assert note.get_attribute("aria-invalid") == "true"
    assert Concern.objects.get().followed_up_at is None
    note.fill("Ringte Nora samme dag; hun tar det opp med krisesenteret.")
    hanne.get_by_role("button", name=words("Mark as followed up")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/")
    checker.arrived(hanne)
    assert (
        hanne.get_by_role("status")
        .filter(has_text=words("The concern is marked as followed up."))
        .is_visible()
    )

    # --- A follow-up conversation: the first one planned (after two weeks) -----------------
    first = hanne.locator("#follow-ups + ul > li").first
    assert words("After two weeks") in first.inner_text()
    first.get_by_text(words("Record or move")).click()
    first.get_by_label(words("Held on")).fill(
        (timezone.localdate() - timedelta(days=40)).isoformat()
    )
    first.get_by_label(words("The volunteer")).check()
    first.get_by_label(words("The woman")).check()
    first.get_by_label(words("Note")).fill("Det går fint; de møtes hver uke.")
    checker.arrived(hanne, state="with a follow-up form open")
    first.get_by_role("button", name=words("Record the conversation")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/#follow-ups")
    checker.arrived(hanne)

    # --- The end of the match, and its outcome ----------------------------------------------
    # Ending asks first: its own page says what ending does, with the outcome form.
    hanne.get_by_role("link", name=words("End the match and record the outcome")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/avslutt/")
    checker.arrived(hanne)
    assert hanne.get_by_role("link", name=words("Keep the match")).is_visible()
    end = hanne.locator("main")
    end.get_by_label(words.field("Ended on")).fill(timezone.localdate().isoformat())
    end.get_by_label(words("No, unplanned")).check()
    end.get_by_label(words("Who ended it?")).select_option(label=words("The woman"))
    end.get_by_label(words.field("Reason")).select_option(label=words("She no longer needs it"))
    end.get_by_role("button", name=words("End the match")).click()
    # Without the outcome the programme is measured on, the match is not ended.
    checker.arrived(hanne, state="with an error")
    assert hanne.get_by_text(
        words("Record whether she moved back to the abuser (yes, no or unknown).")
    ).is_visible()
    assert Match.objects.get().status == MatchStatus.ACTIVE
    end = hanne.locator("main")
    assert end.get_by_label(words("Who ended it?")).input_value() == "woman"  # kept
    end.get_by_role("group", name=words("Did she move back to the abuser?")).get_by_label(
        words("No"), exact=True
    ).check()
    # Her situation at the end: housing found during the match; work or study she had before;
    # a network of her own, no.
    end.get_by_label(words.field("Does she have housing?")).select_option(label=words("Yes"))
    end.get_by_label(words("If yes: did the housing come during the match?")).select_option(
        label=words("Yes")
    )
    end.get_by_label(words.field("Does she have work or study?")).select_option(label=words("Yes"))
    end.get_by_label(words("If yes: did the work or study come during the match?")).select_option(
        label=words("No")
    )
    end.get_by_label(words.field("Does she have a network of her own?")).select_option(
        label=words("No")
    )
    end.get_by_role("button", name=words("End the match")).click()
    hanne.wait_for_url(f"**/koblinger/{active_match.public_id}/")
    checker.arrived(hanne)
    assert hanne.get_by_text(words("Moved back to the abuser")).is_visible()
    # The match's page says what was recorded, and which came during the match.
    housing = hanne.locator("dt", has_text=words.exact("Housing")).locator("+ dd")
    assert words("came during the match") in housing.inner_text()
    work = hanne.locator("dt", has_text=words.exact("Work or study")).locator("+ dd")
    assert words("Yes") in work.inner_text()
    assert words("came during the match") not in work.inner_text()
    shoot(hanne, f"year-ended-{words.language}")

    # --- The statistics ---------------------------------------------------------------------
    hanne.get_by_role("navigation").get_by_role("link", name=words("Statistics")).click()
    hanne.wait_for_url("**/statistikk/")
    checker.arrived(hanne)
    row = hanne.get_by_role(
        "row", name=re.compile(re.escape(words("Did not move back to the abuser")))
    )
    assert row.first.get_by_role("cell").last.inner_text().strip() == "1"
    shoot(hanne, f"year-statistics-{words.language}")

    # --- What was stored ---------------------------------------------------------------------
    match = Match.objects.get()
    assert (match.status, match.outcome_moved_back, match.ended_on) == (
        MatchStatus.ENDED,
        "no",
        timezone.localdate(),
    )
    assert (match.outcome_housing, match.outcome_housing_during) == ("yes", True)
    assert (match.outcome_work_or_study, match.outcome_work_or_study_during) == ("yes", False)
    assert (match.outcome_network, match.outcome_network_during) == ("no", None)
    # Not touched: the form's "unknown" stands, and nothing is said about during.
    assert (match.outcome_help_services, match.outcome_help_services_during) == ("unknown", None)
    assert Meeting.objects.filter(match=match, met=True, minutes=60).count() == 3
    concern = Concern.objects.get()
    assert concern.followed_up_by == coordinator_oslo and concern.text == CONCERN
    assert FollowUp.objects.get(match=match, kind="2w").done_on == timezone.localdate() - timedelta(
        days=40
    )

    # --- The national admin: the annual report of the year so far, for the whole country -----
    ingrid = people(words.language)
    log_in(ingrid, checker, words, national_admin, PASSWORD)
    ingrid.get_by_role("navigation").get_by_role("link", name=words("Statistics")).click()
    ingrid.wait_for_url("**/statistikk/")
    checker.arrived(ingrid)
    ingrid.locator("main").get_by_role("link", name=words.exact("Annual reports")).click()
    ingrid.wait_for_url("**/statistikk/arsrapport/")
    checker.arrived(ingrid)
    assert ingrid.get_by_text(words("No annual report has been made yet.")).is_visible()
    ask = ingrid.get_by_role("form", name=words("Make an annual report"))
    this_year = timezone.localdate().year
    ask.get_by_label(words.field("Year")).fill(str(this_year))
    ask.get_by_label(words.field("Association")).select_option(label=words("The whole country"))
    ask.get_by_role("button", name=words("Make the report")).click()
    ingrid.wait_for_url("**/statistikk/arsrapport/")
    checker.arrived(ingrid, state="with a report made")
    # The build runs as a Celery task (eager in the tests): on the page it is done, with its
    # downloads; while it is not, the page shows its progress and refreshes itself.
    made = ingrid.get_by_role("row").filter(has_text=words("The whole country"))
    expect(made).to_have_count(1)
    expect(made).to_contain_text(str(this_year))
    expect(made).to_contain_text(words("Done"))
    assert made.locator("progress").count() == 0
    shoot(ingrid, f"year-annual-reports-{words.language}")
    report = AnnualReport.objects.get()
    assert (report.year, report.association, report.status, report.requested_by) == (
        this_year,
        None,
        AnnualStatus.DONE,
        national_admin,
    )

    with ingrid.expect_download() as download:
        made.get_by_role("link", name=words("Excel workbook")).click()
    assert download.value.suggested_filename == f"arsrapport-{this_year}.xlsx"
    # (Playwright keeps the file under a name of its own, without .xlsx: read it as bytes.)
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    # Built in the programme's language (Norwegian), whatever the browser's; the sheets as
    # tests/reports/test_annual.py reads them.
    nb = Words("nb")
    sheet = list(book["Utfall"].iter_rows(values_only=True))
    assert sheet[0][1] == str(this_year)  # this year's column, the year before beside it
    outcomes = {row[0]: row[1] for row in sheet[1:]}
    # One match ended this year, and she did not move back: a count under 5 is hidden.
    assert outcomes[nb("Matches ended")] == "<5"
    assert outcomes[nb("Did not move back to the abuser")] == "<5"
    assert outcomes[nb("Moved back to the abuser")] == 0
    # Her situation at the end: housing yes, a network of her own no (each one, hidden).
    situation = {row[0]: row[1] for row in book["Andre utfall"].iter_rows(values_only=True)}
    for outcome, answer in (
        ("Has housing", "%(outcome)s: yes"),
        ("Has a network of her own", "%(outcome)s: no"),
    ):
        assert situation[nb(answer) % {"outcome": nb(outcome)}] == "<5"
    assert situation[nb("%(outcome)s: yes") % {"outcome": nb("Has a network of her own")}] == 0
    about = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert f"Årsrapport {this_year}: Hele landet" in about
    assert "Ingen data for dette året" not in about

    with ingrid.expect_download() as download:
        made.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == f"arsrapport-{this_year}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
