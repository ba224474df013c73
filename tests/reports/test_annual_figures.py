"""Each figure of the annual report (issue 19), read from the workbook as it is delivered and
checked against a number worked out by hand from the fixed data set (tests/reports/conftest.py:
2025 with a little of 2024; Oslo has a little of everything, Bergen six volunteers and twelve
referrals whose matches all ended in 2025).

The report is in Norwegian (the programme's language), so rows are found by their Norwegian
labels. "<5": a count from 1 to 4; ":": hidden so that a small count cannot be worked out
(reports/suppression.py); "–": nothing to show.
"""

import io
from datetime import date

import pytest
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Shelter
from matching.models import (
    AgeBracket,
    EndReason,
    Match,
    MatchStatus,
    Referral,
    ReferralStatus,
    YesNoUnknown,
)
from reports import annual
from reports import report as compute
from reports.models import AnnualReport, AnnualStatus
from reports.suppression import SHOWN
from tests.factories import UserFactory, municipality
from tests.reports.conftest import PERIOD, applicant, at
from volunteers.models import Status

pytestmark = pytest.mark.django_db


class Book:
    """The built report's workbook, its rows by sheet and by their first cell."""

    def __init__(self, association=None, year=2025):
        report = AnnualReport.objects.create(year=year, association=association)
        annual.build(report.pk)
        report.refresh_from_db()
        assert report.status == AnnualStatus.DONE
        self.book = load_workbook(io.BytesIO(report.xlsx))

    def rows(self, sheet: str) -> list[list]:
        return [list(row) for row in self.book[sheet].iter_rows(values_only=True)]

    def row(self, sheet: str, label: str) -> list:
        """The cells after the label of the first row with that label."""
        found = [row[1:] for row in self.rows(sheet) if row[0] == label]
        assert found, f"no row {label!r} in {sheet!r}"
        return found[0]

    def column(self, sheet: str, n: int = 0) -> dict[str, object]:
        """Label -> the n-th number column (0: this year; 1: the year before where a table
        has one column a year)."""
        return {row[0]: row[1 + n] for row in self.rows(sheet)[1:]}


@pytest.fixture
def national(dataset):
    return Book()


@pytest.fixture
def oslo_book(dataset):
    return Book(dataset.oslo)


# --- The whole country, 2025 ----------------------------------------------------------------


def test_national_outcomes_shown_and_hidden(national):
    # Ended in 2025: Oslo M1 (no), M2b (yes), M7 (unknown; started 2024, ended 1.3.2025) and
    # Bergen's twelve (n < 10 no, n = 10, 11 yes). No 1 + 10 = 11 is shown; yes 1 + 2 = 3 and
    # unknown 1 are "<5"; together 4, so the 11 does not give either away.
    assert national.rows("Utfall")[0] == ["Utfall", "2025", "2024"]
    assert national.column("Utfall") == {
        "Flyttet ikke tilbake til overgriper": 11,
        "Flyttet tilbake til overgriper": "<5",
        "Ukjent": "<5",
        "Koblinger avsluttet": 15,
    }
    # The other outcomes: none recorded in the data set, so all 15 are "not known" (a
    # partition of the same 15), and nothing came during a match.
    other = national.rows("Andre utfall")[1:]
    assert [row[0] for row in other if row[1] == 15] == [
        "Har bolig: ukjent",
        "Har arbeid eller studier: ukjent",
        "Har eget nettverk: ukjent",
        "Har kontakt med hjelpetjenester: ukjent",
        "Koblinger avsluttet",
    ]
    assert all(row[1] == 0 for row in other if row[1] != 15)


def test_national_volunteers_recruited_trained_approved_active_renewed_ended(national):
    # Recruited: applied in 2025: Oslo V1–V6, V9, V10, V12 (9) + Bergen's 6 = 15. The funnel
    # steps are hidden: Oslo's steps (2 still applied, 3 in screening, 1 course, 3 approved)
    # are all <5 and Bergen's (0, 0, 0, 6) would give them away.
    assert national.row("Søknader", "Søknader mottatt")[0] == 15
    assert national.row("Søknader", "Fullførte grunnkurset")[0] == ":"
    # Approved in 2025: Oslo V1 (30 days), V2 (40 days) + Bergen's 6 (241, 210, 182, 151,
    # 121, 90 days): 8; median of the eight days: (121 + 151) / 2 = 136.
    assert national.column("Godkjenninger") == {
        "Ressursvenner godkjent i perioden": 8,
        "Dager fra søknad til godkjenning, median": 136,
    }
    # Status on 31.12.2025: Oslo 11 (V8 left in 2024) + Bergen 6 = 17. Approved (active):
    # Oslo V1, V2, V11 + Bergen 6 = 9, hidden because Oslo's other statuses are all <5.
    # Ended in 2025: V12 alone, "<5".
    status = national.column("Ressursvenner etter status")
    assert (status["Totalt"], status["Godkjent"]) == (17, ":")
    assert status["Avsluttet i perioden"] == "<5"
    # Renewed: V11's period ended 1.5.2025 as renewed; V7's ended 1.6.2025 (health): one
    # renewed, one not, each "<5", and the share of two hidden numbers hidden.
    assert national.column("Fornyelser") == {
        "Fornyet for ett år til": "<5",
        "Fornyet ikke": "<5",
        "Ressursvenner med avsluttet bindingstid": "<5",
        "Andel som fornyet": ":",
    }
    # Trained on the course: one session held (20.2.2025; the September one was cancelled,
    # the January 2026 one is after), 10 seats, 5 filled (V1, V2, V3 attended, V4 absent, V9
    # enrolled), attended 3: "<5". Sessions and seats are not about people: always shown.
    courses = national.column("Kurs")
    assert (courses["Samlinger holdt"], courses["Plasser tilbudt"]) == (1, 10)
    assert (courses["Plasser fylt"], courses["Møtte"]) == (5, "<5")


def test_national_hours(national):
    # The session of 20.2.2025 ran 17:00–21:00 (4 hours), attended by V1, V2, V3: 12 hours.
    # Meetings count their minutes, and no meeting of the data set has any: 0.
    assert national.column("Ressursvennenes timer") == {
        "Møter med kvinnene": 0,
        "Kurssamlinger de deltok på": 12,
        "Veiledninger de var på": 0,
        "Samlinger de var på": 0,
        "Totalt": 12,
    }


def test_national_referrals_by_shelter_with_a_secondary_suppression(national):
    # Received in 2025: Oslo R1–R6, R8 (7; R7 came in 2024) + Bergen 12 = 19.
    assert national.row("Henvisninger", "Henvisninger mottatt")[0] == 19
    # By shelter (where the referral came from): Oslo krisesenter R1, R2, R4, R6, R8 = 5;
    # Sør-Øst R3, R5 = 2, "<5"; Bergen krisesenter 12 is hidden (":"), else 19 − 5 − 12
    # would give Sør-Øst's 2: a secondary suppression.
    assert national.rows("Henvisninger per krisesenter")[1:] == [
        ["Bergen krisesenter", ":"],
        ["Oslo krisesenter", 5],
        ["Sør-Øst krisesenter", "<5"],
        ["Totalt", 19],
    ]


def test_national_days_from_referral_to_match(national):
    # First proposals in 2025: Bergen twelve at 4 days, Oslo R1 10, R2 10, R3 30, R5 20, R8 9
    # (17). Median 4; 90th percentile at rank 0.9 × 16 = 14.4 of the sorted days (4 × 12,
    # 9, 10, 10, 20, 30): 10 + 0.4 × (20 − 10) = 14.
    # Started in 2025: Bergen twelve at 9 days, Oslo R1 22, R3 40, R2 46 (15). Median 9; at
    # rank 0.9 × 14 = 12.6: 22 + 0.6 × (40 − 22) = 32.8.
    rows = national.rows("Dager til kobling")[1:]
    assert [row[1:4] for row in rows] == [[4, 14, 17], [9, 32.8, 15]]


def test_national_matches_and_concerns(national):
    matches = national.column("Koblinger")
    # Proposed in 2025: Oslo M1, M2a, M2b, M3, M5, M8 + Bergen 12 = 18. Started: Oslo M1,
    # M2b, M3 + Bergen 12 = 15. Active on 31.12: M3 alone ("<5"; M8 starts in 2026). Ended:
    # M1, M2b, M7 + Bergen 12 = 15. Active at some time in 2025: Oslo M1, M2b, M3, M7 +
    # Bergen 12 = 16.
    assert [
        matches[label]
        for label in (
            "Foreslått i perioden",
            "Startet i perioden",
            "Aktive ved slutten av perioden",
            "Avsluttet i perioden",
            "Aktive en gang i perioden",
        )
    ] == [18, 15, "<5", 15, 16]
    # Met in 2025: M1 three times (the 8 March attempt did not reach her), M3 twice, M7 once.
    assert matches["Møter holdt i perioden"] == 6
    # Why they ended (the nearest the report has to planned/unplanned): the year was over for
    # M1 and Bergen's 12 (13, hidden: with the total 15 shown it would give the two others),
    # M7 moved, M2b broke off: "<5" each.
    reasons = national.column("Hvorfor koblinger ble avsluttet")
    assert (reasons["Året er over"], reasons["Hun flyttet"], reasons["Brutt"]) == (":", "<5", "<5")
    assert reasons["Totalt"] == 15
    # Concerns raised in 2025 (a count only): M1's on 1.3, M3's on 1.7 and 20.12 = 3, "<5".
    assert national.row("Bekymringer", "Bekymringer meldt")[0] == "<5"


def test_national_relationship_scores_without_answers(national):
    # No follow-up conversation of the data set has answers: 0 answers and no mean, per
    # question, for her and for the volunteer, both years.
    rows = national.rows("Hvor godt går det i koblingene")[1:]
    assert [row[0] for row in rows] == ["Nærhet", "Tillit", "Møtes ofte nok", "Det hjelper"]
    assert all(row[1:] == ["–", 0, "–", 0] * 2 for row in rows)


def test_the_national_admins_sheet_of_each_association(national):
    # Per association, suppressed together. Approved in 2025: Oslo 2 ("<5"), Bergen 6,
    # all 8: Bergen's 6 is hidden (":"), else 8 − 6 would give Oslo's 2. Matches started:
    # Oslo 3 ("<5"), Bergen 12 (":" for the same reason), 15. Active at the end: Bergen 0
    # (a zero is shown), Oslo 1, all 1. Did not move back: Oslo 1, Bergen 10, all 11.
    rows = national.rows("Hver lokalforening")
    assert rows[0][1:] == [
        "Søknader",
        "Godkjent",
        "Henvisninger",
        "Koblinger startet",
        "Aktive ved slutten",
        "Koblinger avsluttet",
        "Flyttet ikke tilbake",
    ]
    assert rows[1:] == [
        ["Bergen Sanitetsforening", ":", ":", ":", ":", 0, ":", ":"],
        ["Oslo Sanitetsforening", ":", "<5", ":", "<5", "<5", "<5", "<5"],
        ["Alle lokalforeninger", 15, 8, 19, 15, "<5", 15, 11],
    ]


# --- The year before (2024) -----------------------------------------------------------------


def test_the_year_before_from_the_data_set(national):
    # 2024 in the data set: R7 received 1.10.2024; M7 proposed 10.10, started 1.11, still
    # running on 31.12.2024; nothing ended. Applied in 2024: V7, V8, V11 (3); approved: V7
    # (1.8), V11 (1.5) (2); M7's concern of 1.12.2024; M7 met once (15.12.2024).
    assert national.row("Utfall", "Koblinger avsluttet") == [15, 0]
    matches = national.column("Koblinger", 1)
    assert matches["Startet i perioden"] == "<5"
    assert matches["Avsluttet i perioden"] == 0
    assert matches["Aktive ved slutten av perioden"] == "<5"
    assert national.row("Søknader", "Søknader mottatt")[2] == "<5"
    assert national.row("Godkjenninger", "Ressursvenner godkjent i perioden") == [8, "<5"]
    assert national.row("Henvisninger", "Henvisninger mottatt") == [19, "<5"]
    assert national.row("Bekymringer", "Bekymringer meldt") == ["<5", "<5"]
    # A median of fewer than 5 is not shown: M7's 31 days to start, one referral.
    assert national.row("Dager til kobling", national.rows("Dager til kobling")[2][0])[3:] == [
        "–",
        "–",
        "<5",
    ]


@pytest.fixture
def year_before(dataset):
    """2024 on top of `dataset`, all of it over before 2025 began (so no 2025 figure moves):
    two Oslo volunteers who applied on 1.2.2024, were approved on 1.3.2024 and left on
    31.12.2024; eight Oslo referrals, the i-th (i = 0..7) received on the 1st of month i + 1
    of 2024, proposed on the 5th, started on the 11th, ended on 1.12.2024 (the year over).
    Moved back: no for six (i < 6), yes for two. Housing: yes for all eight, six of them
    during the match (i < 6). Work or study: yes for five (i < 5, all during), no for three.
    Network and help services not recorded."""
    staff = UserFactory(email="fjor@krisesenter.example")
    pair = [
        applicant(
            dataset.oslo,
            at(2024, 2, 1),
            status=Status.ENDED,
            approved_at=at(2024, 3, 1),
            changed=at(2024, 12, 31),
        )
        for _ in range(2)
    ]
    shelter = Shelter.objects.get(name="Oslo krisesenter")
    for i in range(8):
        ref = Referral.objects.create(
            association=dataset.oslo,
            shelter=shelter,
            created_at=at(2024, i + 1, 1),
            alias=f"Fjor{i}",
            age_bracket=AgeBracket.AGE_26_35,
            municipality=municipality("0301"),
            preferred_language="no",
            consent_on=date(2024, i + 1, 1),
            consent_recorded_by=staff,
            status=ReferralStatus.ENDED,
        )
        Match.objects.create(
            referral=ref,
            volunteer=pair[i % 2],
            proposed_at=at(2024, i + 1, 5),
            status=MatchStatus.ENDED,
            started_on=date(2024, i + 1, 11),
            ended_on=date(2024, 12, 1),
            end_reason=EndReason.YEAR_OVER,
            outcome_moved_back=YesNoUnknown.NO if i < 6 else YesNoUnknown.YES,
            outcome_housing=YesNoUnknown.YES,
            outcome_housing_during=i < 6,
            outcome_work_or_study=YesNoUnknown.YES if i < 5 else YesNoUnknown.NO,
            outcome_work_or_study_during=True if i < 5 else None,
        )
    return dataset


def test_the_year_before_beside_this_year(year_before):
    book = Book()
    # Ended in 2024: the eight alone (M7 ended in 2025). Did not move back 6 is hidden
    # (":"): with the total 8 and the unknown 0 shown it would give the 2 who did ("<5").
    assert book.rows("Utfall") == [
        ["Utfall", "2025", "2024"],
        ["Flyttet ikke tilbake til overgriper", 11, ":"],
        ["Flyttet tilbake til overgriper", "<5", "<5"],
        ["Ukjent", "<5", 0],
        ["Koblinger avsluttet", 15, 8],
    ]
    other = book.rows("Andre utfall")
    # Housing yes for all 8; 6 during the match, hidden (":"): 8 − 6 would give the 2 whose
    # housing did not come during it.
    assert other[1:5] == [
        ["Har bolig: ja", 0, 8],
        ["herav kom i løpet av koblingen", 0, ":"],
        ["Har bolig: nei", 0, 0],
        ["Har bolig: ukjent", 15, 0],
    ]
    # Network not recorded for any: all 8 not known.
    assert book.row("Andre utfall", "Har eget nettverk: ukjent") == [15, 8]
    # Proposed and started in 2024: M7 + the eight = 9; ended: the eight. Active at some time
    # in 2024: the same 9.
    matches = book.column("Koblinger", 1)
    assert [matches[k] for k in ("Foreslått i perioden", "Startet i perioden")] == [9, 9]
    assert [matches[k] for k in ("Avsluttet i perioden", "Aktive en gang i perioden")] == [8, 9]
    # Lengths to 1.12.2024 from the 11th of January..August (2024 a leap year): 325, 294,
    # 265, 234, 204, 173, 143, 112 days; median (204 + 234) / 2 = 219.
    assert matches["Varighet for koblinger som ble avsluttet, median dager"] == 219
    # Received in 2024: R7 + the eight = 9, all with an active match by 31.12.2024.
    assert book.row("Henvisninger", "Henvisninger mottatt") == [19, 9]
    assert book.row("Henvisninger", "Med aktiv kobling ved slutten av perioden") == [":", 9]
    # Days to the first proposal in 2024: eight at 4, R7 at 9: median 4; at rank 0.9 × 8 =
    # 7.2: 4 + 0.2 × (9 − 4) = 5. To an active match: eight at 10, R7 at 31: median 10; at
    # rank 7.2: 10 + 0.2 × 21 = 14.2.
    waiting = book.rows("Dager til kobling")
    assert [row[4:] for row in waiting[1:]] == [[4, 5, 9], [10, 14.2, 9]]
    # Applied in 2024: V7, V8, V11 and the two = 5, shown; approved: V7, V11 and the two = 4.
    assert book.row("Søknader", "Søknader mottatt")[2] == 5
    assert book.row("Godkjenninger", "Ressursvenner godkjent i perioden") == [8, "<5"]


def test_no_hidden_other_outcome_can_be_worked_out_from_the_matches_ended(year_before):
    book = Book()
    # 2024, work or study: yes 5 (all during), no 3, not known 0, of the 8 ended. The 8 is
    # shown (the outcome sheet shows it too), so with yes 5 and not known 0 shown the "<5"
    # would be 8 − 5 − 0 = 3: the yes is hidden (":", 5 to 7), and its "during" with it.
    # (Each other outcome is suppressed with the matches ended as its total, shown or hidden
    # as the outcome sheet has it: before, its own copy of that total was hidden instead,
    # while the sheet showed the outcome sheet's.)
    assert book.rows("Andre utfall")[5:9] == [
        ["Har arbeid eller studier: ja", 0, ":"],
        ["herav kom i løpet av koblingen", 0, ":"],
        ["Har arbeid eller studier: nei", 0, "<5"],
        ["Har arbeid eller studier: ukjent", 15, 0],
    ]
    assert book.row("Andre utfall", "Koblinger avsluttet") == [15, 8]


# --- One association: Oslo --------------------------------------------------------------------


def test_the_coordinators_report_is_suppressed_as_the_national_view_of_her_association(
    oslo_book, dataset
):
    # Her report is her workbook (report.own_workbook): each cell published or hidden as the
    # national view of Oslo has it, even her own small numbers. Ended in 2025: M1 (no), M2b
    # (yes), M7 (unknown): each "<5", and so is their total 3.
    assert oslo_book.column("Utfall") == {
        "Flyttet ikke tilbake til overgriper": "<5",
        "Flyttet tilbake til overgriper": "<5",
        "Ukjent": "<5",
        "Koblinger avsluttet": "<5",
    }
    # Her 7 referrals received are hidden (":") though 7 ≥ 5: nationally Oslo's cell is
    # hidden (with the national 19 shown, Oslo's 7 would give Bergen's hidden 12 and so on),
    # and her report may not show what the national view hides.
    assert oslo_book.row("Henvisninger", "Henvisninger mottatt") == [":", "<5"]
    # Her lists are suppressed against her totals; her total hidden, the whole list is.
    assert oslo_book.rows("Henvisninger per krisesenter")[1:] == [
        ["Oslo krisesenter", ":"],
        ["Sør-Øst krisesenter", ":"],
        ["Totalt", ":"],
    ]
    # Proposed in 2025: M1, M2a, M2b, M3, M5, M8 = 6; met 6 times: shown.
    matches = oslo_book.column("Koblinger")
    assert (matches["Foreslått i perioden"], matches["Møter holdt i perioden"]) == (6, 6)
    # Her medians are counted for Oslo alone: first proposals R1 10, R2 10, R3 30, R5 20,
    # R8 9: median 10, 90th percentile at rank 3.6: 20 + 0.6 × 10 = 26, on 5 referrals. To an
    # active match only 3 (R1, R2, R3): too few for a median ("–").
    waiting = oslo_book.rows("Dager til kobling")[1:]
    assert [row[1:4] for row in waiting] == [[10, 26, 5], ["–", "–", "<5"]]
    # Her hours are Oslo's: the 12 course hours of V1, V2, V3.
    assert oslo_book.row("Ressursvennenes timer", "Totalt") == [12, 0]
    # No sheet of every association in hers.
    assert "Hver lokalforening" not in oslo_book.book.sheetnames


def test_her_statistics_page_shows_what_her_report_hides(oslo_book, dataset):
    # The same figures on her own statistics page (report.own), unsuppressed: it is her data
    # and does not leave the system. Received 7, ended 3 with one outcome each.
    with translation.override("nb"):
        page = compute.own(PERIOD, dataset.oslo.pk)
    received = page["referrals"].rows[0].cells[0]
    assert (received.value, received.state) == (7, SHOWN)
    assert [(c.cells[0].value, c.cells[0].state) for c in page["outcomes"].rows] == [
        (1, SHOWN),
        (1, SHOWN),
        (1, SHOWN),
        (3, SHOWN),
    ]
    # The report of the same year hides them.
    assert oslo_book.row("Henvisninger", "Henvisninger mottatt")[0] == ":"


def test_her_year_before_is_oslos_alone(year_before):
    book = Book(year_before.oslo)
    # The eight 2024 matches are all Oslo's: her 2024 column is the national one.
    assert book.row("Utfall", "Koblinger avsluttet") == ["<5", 8]
    assert book.row("Utfall", "Flyttet ikke tilbake til overgriper") == ["<5", ":"]
    assert book.row("Koblinger", "Startet i perioden") == ["<5", 9]
    # Her medians for 2024: the same nine referrals, the same days as nationally.
    waiting = book.rows("Dager til kobling")[1:]
    assert [row[4:] for row in waiting] == [[4, 5, 9], [10, 14.2, 9]]
