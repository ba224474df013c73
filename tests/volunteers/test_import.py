"""Importing volunteers from a spreadsheet, and exporting the list (issue 20, items 1 and 3)."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import AccessLog, Invitation
from courses.models import Course
from courses.selectors import has_completed_required_courses
from ressursvenner.audit_views import record_type_label
from tests.conftest import login
from tests.factories import volunteer
from tests.querycount import queries_for
from volunteers import importing, sheet
from volunteers.models import Status, Volunteer, VolunteerImport
from volunteers.retention import imports_delete

pytestmark = pytest.mark.django_db

HEADER = "Fornavn;Etternavn;E-post;Mobil;Kommune;Fødselsår;Språk;Kvinne;Status;Kurs fullført;Bindingstid fra"


def _day(days_ago: int) -> str:
    return f"{timezone.localdate() - timedelta(days=days_ago):%d.%m.%Y}"


def good_row(name="Kari", email="kari@example.no", **changes) -> list[str]:
    row = {
        "first": name,
        "last": "Nordmann",
        "email": email,
        "phone": "912 34 567",
        "municipality": "Oslo kommune",
        "year": "1980",
        "languages": "no, engelsk",
        "woman": "ja",
        "status": "godkjent",
        "course": _day(60),
        "commitment": _day(30),
    }
    row.update(changes)
    return list(row.values())


def csv_file(*rows: list[str], bom=True, encoding="utf-8") -> bytes:
    text = "\r\n".join([HEADER, *(";".join(r) for r in rows)]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def preview(coordinator, data: bytes) -> list[importing.Row]:
    volunteer_import = importing.import_preview(
        association=coordinator.memberships.get().association, by=coordinator, data=data
    )
    return importing.rows_of(volunteer_import)


def only_problem(rows: list[importing.Row]) -> str:
    assert [r.outcome for r in rows] == ["invalid"], rows
    return " ".join(rows[0].problems)


def test_a_semicolon_csv_with_a_bom_is_read_and_checked(coordinator_oslo, oslo):
    volunteer(oslo, email="Known@Example.no")
    rows = preview(
        coordinator_oslo,
        csv_file(good_row(), good_row("Lise", "KNOWN@example.no"), good_row("Mona", "m@ex.no")),
    )
    assert [r.outcome for r in rows] == ["new", "known", "new"]
    assert rows[0].values["languages"] == ["no", "en"]
    assert rows[0].shown["municipality"] == "Oslo"
    assert Volunteer.objects.count() == 1  # nothing imported by the preview


def test_a_cp1252_comma_csv_is_read(coordinator_oslo):
    header = HEADER.replace(";", ",")
    text = (
        header
        + "\r\n"
        + ",".join(good_row("Åse", municipality="Bærum", languages="norsk"))
        + "\r\n"
    )
    rows = preview(coordinator_oslo, text.encode("cp1252"))
    assert rows[0].outcome == "new"
    assert rows[0].values["first_name"] == "Åse"


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet_ = book.active
    for row in rows:
        sheet_.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_is_read_and_a_formula_is_refused_never_evaluated(coordinator_oslo):
    header = HEADER.split(";")
    data = _xlsx(
        [
            header,
            good_row(),
            [*good_row("Per", "per@example.no")[:1], '=HYPERLINK("http://x","y")', *good_row()[2:]],
        ]
    )
    rows = preview(coordinator_oslo, data)
    assert rows[0].outcome == "new"
    assert rows[1].outcome == "invalid"
    assert "formula" in " ".join(rows[1].problems) or "formel" in " ".join(rows[1].problems)
    assert "HYPERLINK" not in json.dumps(rows[1].shown)


def test_an_xlsx_with_numbers_and_dates_as_excel_keeps_them_is_read(coordinator_oslo):
    course = timezone.localdate() - timedelta(days=60)
    # A date cell with a time of day (Excel has no time zones).
    start = timezone.localtime(timezone.now() - timedelta(days=30)).replace(tzinfo=None)
    data = _xlsx(
        [
            HEADER.split(";"),
            [
                "Kari",
                "N",
                "kari@example.no",
                91234567,
                301,
                1980,
                "no",
                "x",
                "Approved",
                course,
                start,
            ],
        ]
    )
    rows = preview(coordinator_oslo, data)
    assert rows[0].outcome == "new", rows[0].problems
    assert rows[0].shown["municipality"] == "Oslo"
    assert rows[0].values["commitment_from"] == start.date().isoformat()


@pytest.mark.parametrize("value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "  =1"])
def test_a_text_that_looks_like_a_formula_is_refused(coordinator_oslo, value):
    assert "=" in only_problem(preview(coordinator_oslo, csv_file(good_row(last=value))))


def test_a_phone_with_a_plus_is_no_formula(coordinator_oslo):
    rows = preview(coordinator_oslo, csv_file(good_row(phone="+47 912 34 567")))
    assert rows[0].outcome == "new"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"municipality": "Atlantis"}, "Ukjent kommune «Atlantis»"),
        ({"languages": "no, klingon"}, "Ukjent språk: klingon"),
        ({"year": str(timezone.localdate().year - 18)}, "minst 25 år"),
        ({"woman": "nei"}, "bare kvinner"),
        ({"woman": "mann"}, "bare kvinner"),
        ({"email": "ikke-en-epost"}, "E-postadresse"),
        ({"status": "avsluttet"}, "Bare søkere og aktive"),
        ({"course": ""}, "fullførte kurset"),
        ({"commitment": _day(400)}, "er over"),
        ({"course": "i fjor"}, "ikke en dato"),
    ],
)
def test_each_bad_row_says_why_in_the_row(coordinator_oslo, changes, reason):
    assert (
        reason.lower()
        in only_problem(preview(coordinator_oslo, csv_file(good_row(**changes)))).lower()
    )


def test_a_duplicate_email_in_the_file_names_the_other_line(coordinator_oslo):
    rows = preview(coordinator_oslo, csv_file(good_row(), good_row("Kari 2", "KARI@example.no")))
    assert [r.outcome for r in rows] == ["new", "invalid"]
    assert "linje 2" in rows[1].problems[0]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not_a_sheet"),
        (b"PK\x03\x04 this is no workbook", "not_a_sheet"),
        (b"just one line of text without separators", "not_a_sheet"),
        (b"\xd0\xcf\x11\xe0old excel", "old_excel"),
        (b"", "empty"),
        (b"a;b;c\r\n1;2;3\r\n", "no_columns"),
    ],
)
def test_a_file_that_is_not_a_sheet_is_refused(data, code):
    with pytest.raises(sheet.SheetError) as error:
        sheet.read(data)
    assert str(error.value) == code


def test_too_large_and_too_many_rows_are_refused():
    with pytest.raises(sheet.SheetError, match="too_large"):
        sheet.read(b"a" * (sheet.MAX_BYTES + 1))
    rows = "\r\n".join(";".join(good_row(email=f"k{i}@example.no")) for i in range(5001))
    with pytest.raises(sheet.SheetError, match="too_many_rows"):
        sheet.read(f"{HEADER}\r\n{rows}".encode())


# --- The pages -------------------------------------------------------------------------------


def upload(client, data: bytes, name="frivillige.csv"):
    return client.post(
        reverse("volunteer_import"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 7, b"PK\x03\x04" + bytes(300), b"\xff\xfe\x00=\x00", b"\n\n\n;;;\n"],
)
def test_garbage_bytes_give_a_message_next_to_the_file_field_never_a_500(
    client, coordinator_oslo, data
):
    login(client, coordinator_oslo)
    response = upload(client, data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not VolunteerImport.objects.exists()


def test_a_too_large_upload_is_refused_with_a_message(client, coordinator_oslo):
    login(client, coordinator_oslo)
    response = upload(client, b"x" * (sheet.MAX_BYTES + 10))
    assert "større enn 5 MB" in response.content.decode()


def test_a_sheet_without_a_required_column_names_it(client, coordinator_oslo):
    login(client, coordinator_oslo)
    response = upload(client, b"Fornavn;Etternavn\r\nKari;N\r\n")
    assert "«E-post»" in response.content.decode()


def test_bad_rows_import_nothing_then_the_fixed_sheet_is_imported(client, coordinator_oslo, oslo):
    login(client, coordinator_oslo)
    bad = csv_file(good_row(), good_row("Per", "per@example.no", woman="nei"))
    response = upload(client, bad)
    page = response.content.decode()
    assert "Ugyldig:" in page and "bare kvinner" in page
    assert "Importer 1 frivillig" not in page  # no confirm while a row is invalid
    volunteer_import = VolunteerImport.objects.get()
    confirm = reverse("volunteer_import_preview", args=[volunteer_import.public_id])
    client.post(confirm, {"consent": "on"})
    assert not Volunteer.objects.exists()

    fixed = csv_file(
        good_row(), good_row("Mona", "mona@example.no", status="kurs", course="", commitment="")
    )
    page = upload(client, fixed).content.decode()
    assert "Importer 2 frivillige" in page
    volunteer_import = VolunteerImport.objects.get()  # the earlier preview is gone
    page = client.post(
        reverse("volunteer_import_preview", args=[volunteer_import.public_id]), {}, follow=True
    ).content.decode()
    assert "Bekreft samtykket" in page and not Volunteer.objects.exists()  # consent required
    page = client.post(
        reverse("volunteer_import_preview", args=[volunteer_import.public_id]),
        {"consent": "on"},
        follow=True,
    ).content.decode()
    assert "2 frivillige ble importert" in page
    assert "Inviter 1 godkjent ressursvenn til å logge inn" in page

    kari = Volunteer.objects.get(email="kari@example.no")
    assert kari.status == Status.APPROVED
    assert kari.association == oslo
    assert kari.imported_by == coordinator_oslo and kari.imported_at is not None
    assert kari.language_codes == ["no", "en"]
    period = kari.commitments.get()
    assert period.starts_on == timezone.localdate() - timedelta(days=30)
    assert has_completed_required_courses(kari)
    assert Volunteer.objects.get(email="mona@example.no").status == Status.COURSE
    page = client.get(kari.get_absolute_url()).content.decode()
    assert "fra foreningens regneark, av " + coordinator_oslo.get_full_name() in page
    volunteer_import.refresh_from_db()
    assert volunteer_import.rows == ""  # the personal data of the sheet is not kept
    assert not Invitation.objects.exists()  # only when she chooses

    page = client.post(
        reverse("volunteer_import_invite", args=[volunteer_import.public_id]), follow=True
    ).content.decode()
    invitation = Invitation.objects.get()
    assert invitation.email == "kari@example.no"  # the approved one; Mona gets hers at approval
    kari.refresh_from_db()
    assert kari.user is not None


def test_the_invitation_can_be_sent_at_confirm(client, coordinator_oslo):
    login(client, coordinator_oslo)
    upload(client, csv_file(good_row()))
    volunteer_import = VolunteerImport.objects.get()
    client.post(
        reverse("volunteer_import_preview", args=[volunteer_import.public_id]),
        {"invite": "on", "consent": "on"},
    )
    assert Invitation.objects.get().email == "kari@example.no"


def test_another_association_cannot_see_or_confirm_the_preview(
    client, coordinator_oslo, coordinator_bergen
):
    volunteer_import = importing.import_preview(
        association=coordinator_oslo.memberships.get().association,
        by=coordinator_oslo,
        data=csv_file(good_row()),
    )
    login(client, coordinator_bergen)
    url = reverse("volunteer_import_preview", args=[volunteer_import.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not Volunteer.objects.exists()


def test_the_preview_page_takes_a_fixed_number_of_queries(client, coordinator_oslo):
    login(client, coordinator_oslo)
    few = importing.import_preview(
        association=coordinator_oslo.memberships.get().association,
        by=coordinator_oslo,
        data=csv_file(*(good_row(email=f"k{i}@example.no") for i in range(3))),
    )
    few_queries = queries_for(client, reverse("volunteer_import_preview", args=[few.public_id]))
    many = importing.import_preview(
        association=coordinator_oslo.memberships.get().association,
        by=coordinator_oslo,
        data=csv_file(*(good_row(email=f"k{i}@example.no") for i in range(40))),
    )
    many_queries = queries_for(client, reverse("volunteer_import_preview", args=[many.public_id]))
    assert few_queries == many_queries
    assert many_queries <= 12


def test_imports_are_deleted_after_a_day(coordinator_oslo):
    old = importing.import_preview(
        association=coordinator_oslo.memberships.get().association,
        by=coordinator_oslo,
        data=csv_file(good_row()),
    )
    VolunteerImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=importing.KEPT_HOURS + 1)
    )
    assert imports_delete() == 1
    assert not VolunteerImport.objects.exists()


# --- Export and the round trip ------------------------------------------------------------------


def test_the_export_is_logged_and_neutralises_formulas(client, coordinator_oslo, oslo):
    volunteer(oslo, first_name="=HYPERLINK(1)", last_name="@evil", email="x@example.no")
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_export"))
    assert response["Content-Type"] == sheet.XLSX_CONTENT_TYPE
    book = load_workbook(io.BytesIO(response.content), read_only=False)
    cells = [c.value for c in book.active[2]]
    assert cells[0] == "=HYPERLINK(1)" and cells[1] == "@evil"  # as typed, as text
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
    entry = AccessLog.objects.get(action="export", object_type="volunteer_list")
    assert entry.association_id == oslo.pk
    assert entry.object_id == str(oslo.public_id)  # the association, never a volunteer
    assert record_type_label(entry.object_type) == "liste over frivillige"


def test_the_template_has_the_columns_the_import_reads(client, coordinator_oslo):
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_import_template"))
    parsed = sheet.read(response.content)
    assert [key for key in parsed.keys if key] == list(sheet.COLUMN_KEYS)
    assert not parsed.missing


def test_round_trip_export_then_import_into_another_association_gives_the_same_volunteers(
    client, coordinator_oslo, coordinator_bergen, oslo, bergen
):
    login(client, coordinator_oslo)
    upload(
        client,
        csv_file(
            good_row(),
            good_row("Mona", "mona@example.no", status="kurs", course="", commitment=""),
            good_row(
                "Siri", "siri@example.no", status="søkt", course="", commitment="", languages="ar"
            ),
        ),
    )
    client.post(
        reverse("volunteer_import_preview", args=[VolunteerImport.objects.get().public_id]),
        {"consent": "on"},
    )
    exported = client.get(reverse("volunteer_export")).content

    def facts(association):
        return sorted(
            (
                v.first_name,
                v.last_name,
                v.email,
                str(v.phone),
                v.municipality_id,
                v.birth_year,
                tuple(v.language_codes),
                v.status,
                tuple(c.starts_on for c in v.commitments.all()),
                has_completed_required_courses(v),
            )
            for v in Volunteer.objects.filter(association=association)
        )

    before = facts(oslo)
    # "Another database": Bergen's coordinator imports the same sheet into her association.
    # Known by email only within her own association: Oslo's volunteers are new to Bergen.
    volunteer_import = importing.import_preview(
        association=bergen, by=coordinator_bergen, data=exported
    )
    assert [r.outcome for r in importing.rows_of(volunteer_import)] == ["new"] * 3, [
        r.problems for r in importing.rows_of(volunteer_import)
    ]
    importing.import_confirm(
        volunteer_import=volunteer_import,
        by=coordinator_bergen,
        acting=coordinator_bergen.memberships.get(),
        invite=False,
        consent=True,
    )
    assert facts(bergen) == before
    assert len(before) == 3
    assert Course.objects.filter(required_for_matching=True).exists()


def test_round_trip_into_an_emptied_database_gives_the_same_volunteers(
    client, coordinator_oslo, oslo
):
    """Export, start from nothing (as another database would), import: the same volunteers."""
    login(client, coordinator_oslo)
    upload(
        client,
        csv_file(
            good_row(phone="+46 70 123 45 67"),
            good_row(
                "Nadia", "nadia@example.no", status="pause", municipality="Herøy (Møre og Romsdal)"
            ),
        ),
    )
    client.post(
        reverse("volunteer_import_preview", args=[VolunteerImport.objects.get().public_id]),
        {"consent": "on"},
    )
    before = [
        (v.full_name, v.email, str(v.phone), v.municipality_id, v.language_codes, v.status)
        for v in Volunteer.objects.order_by("email")
    ]
    exported = client.get(reverse("volunteer_export")).content
    Volunteer.objects.all().delete()
    VolunteerImport.objects.all().delete()
    volunteer_import = importing.import_preview(
        association=oslo, by=coordinator_oslo, data=exported
    )
    importing.import_confirm(
        volunteer_import=volunteer_import,
        by=coordinator_oslo,
        acting=coordinator_oslo.memberships.get(),
        invite=False,
        consent=True,
    )
    after = [
        (v.full_name, v.email, str(v.phone), v.municipality_id, v.language_codes, v.status)
        for v in Volunteer.objects.order_by("email")
    ]
    assert after == before
    assert [s for *_, s in after] == [Status.APPROVED, Status.PAUSED]


# --- Review fixes ---------------------------------------------------------------------------------


def test_time_duration_and_array_formula_cells_never_give_a_500(client, coordinator_oslo):
    from datetime import time

    from openpyxl.worksheet.formula import ArrayFormula

    header = [*HEADER.split(";"), "Motivasjon"]
    book = Workbook()
    sheet_ = book.active
    sheet_.append(header)
    sheet_.append([*good_row(), time(9, 30)])
    sheet_.append([*good_row("Lise", "lise@example.no"), timedelta(hours=30)])
    sheet_.append([*good_row("Mona", "mona@example.no"), ""])
    sheet_["L4"] = ArrayFormula("L4", "=SUM(A1:A2)")
    out = io.BytesIO()
    book.save(out)
    login(client, coordinator_oslo)
    response = upload(client, out.getvalue(), name="frivillige.xlsx")
    assert response.status_code == 200
    rows = importing.rows_of(VolunteerImport.objects.get())
    assert [r.outcome for r in rows] == ["new", "new", "invalid"]
    assert rows[0].values["motivation"] == "09:30:00"
    assert "formel" in " ".join(rows[2].problems)
    assert sheet.cell_text(time(9, 30)) == "09:30:00"


def test_control_characters_are_dropped_on_import_and_on_export(client, coordinator_oslo, oslo):
    rows = preview(coordinator_oslo, csv_file(good_row(name="Ka\x01ri", last="Nord\x0bmann")))
    assert rows[0].outcome == "new"
    assert (rows[0].values["first_name"], rows[0].values["last_name"]) == ("Kari", "Nordmann")

    volunteer(oslo, first_name="Ann\x0be", motivation="Linje 1\nLinje\x02 2", status="approved")
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_export"))
    assert response.status_code == 200
    cells = [c.value for c in load_workbook(io.BytesIO(response.content)).active[2]]
    assert cells[0] == "Anne" and cells[-1] == "Linje 1\nLinje 2"


def test_line_numbers_are_the_files_own_and_a_leading_blank_line_is_fine(coordinator_oslo):
    motivation = '"Første linje\r\nandre linje"'
    text = "\r\n".join(
        [
            "",  # 1: blank
            HEADER + ";Motivasjon",  # 2
            ";".join([*good_row(), motivation]),  # 3-4: a quoted cell over two lines
            "",  # 5
            ";".join([*good_row("Per", "per@example.no", woman="nei"), ""]),  # 6
        ]
    )
    rows = preview(coordinator_oslo, text.encode())
    assert [(r.line, r.outcome) for r in rows] == [(3, "new"), (6, "invalid")]
    assert rows[0].values["motivation"] == "Første linje\nandre linje"  # \r dropped

    book = Workbook()
    sheet_ = book.active
    sheet_.append([])
    sheet_.append(HEADER.split(";"))
    sheet_.append([])
    sheet_.append(good_row())
    out = io.BytesIO()
    book.save(out)
    assert [line for line, _row in sheet.read(out.getvalue()).rows] == [4]


def test_blank_rows_do_not_count_toward_the_row_limit():
    rows = [";".join(good_row(email=f"k{i}@example.no")) for i in range(sheet.MAX_ROWS)]
    data = "\r\n".join([HEADER, *rows, *([";;;"] * 50), ""]).encode()
    assert len(sheet.read(data).rows) == sheet.MAX_ROWS


def test_a_zip_that_unpacks_too_large_is_refused_unread():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (sheet.MAX_UNPACKED_BYTES + 1))
    with pytest.raises(sheet.SheetError, match="too_large_unpacked"):
        sheet.read(out.getvalue())
    assert "for stort" in importing.sheet_error_message("too_large_unpacked")


def test_excel_numbers_as_phone_numbers_are_read(coordinator_oslo):
    data = _xlsx(
        [
            HEADER.split(";"),
            [*good_row()[:3], 4791234567, *good_row()[4:]],
            [*good_row("Lise", "lise@example.no")[:3], 91234567, *good_row()[4:]],
        ]
    )
    rows = preview(coordinator_oslo, data)
    assert [r.outcome for r in rows] == ["new", "new"], [r.problems for r in rows]
    assert [r.values["phone"] for r in rows] == ["+47 91 23 45 67"] * 2


def test_a_known_row_says_her_current_status(client, coordinator_oslo, oslo):
    volunteer(oslo, email="kari@example.no", status="ended")
    login(client, coordinator_oslo)
    page = upload(client, csv_file(good_row())).content.decode()
    assert "Finnes allerede (samme e-post, avsluttet): hoppes over" in page


def test_confirm_locks_the_association_and_skips_who_came_in_meanwhile(coordinator_oslo, oslo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = importing.import_preview(
        association=oslo, by=coordinator_oslo, data=csv_file(good_row())
    )
    second = VolunteerImport.objects.create(
        association=oslo, created_by=coordinator_oslo, rows=first.rows
    )
    acting = coordinator_oslo.memberships.get()
    with CaptureQueriesContext(connection) as queries:
        importing.import_confirm(
            volunteer_import=first, by=coordinator_oslo, acting=acting, invite=False, consent=True
        )
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert '"accounts_association"' in locks[0]  # the association first: one confirm at a time
    done = importing.import_confirm(
        volunteer_import=second, by=coordinator_oslo, acting=acting, invite=False, consent=True
    )
    assert (done.imported_count, done.skipped_count) == (0, 1)
    assert Volunteer.objects.count() == 1


def test_confirm_without_consent_imports_nothing(coordinator_oslo, oslo):
    from volunteers.services import VolunteerError

    volunteer_import = importing.import_preview(
        association=oslo, by=coordinator_oslo, data=csv_file(good_row())
    )
    with pytest.raises(VolunteerError):
        importing.import_confirm(
            volunteer_import=volunteer_import,
            by=coordinator_oslo,
            acting=coordinator_oslo.memberships.get(),
            invite=False,
            consent=False,
        )
    assert not Volunteer.objects.exists()


def test_confirm_takes_a_number_of_queries_that_does_not_grow_with_the_rows(coordinator_oslo, oslo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n: int, prefix: str) -> int:
        rows = [
            good_row(email=f"{prefix}{i}@example.no", status="pause" if i % 2 else "godkjent")
            for i in range(n)
        ]
        volunteer_import = importing.import_preview(
            association=oslo, by=coordinator_oslo, data=csv_file(*rows)
        )
        with CaptureQueriesContext(connection) as queries:
            importing.import_confirm(
                volunteer_import=volunteer_import,
                by=coordinator_oslo,
                acting=coordinator_oslo.memberships.get(),
                invite=False,
                consent=True,
            )
        return len(queries.captured_queries)

    assert count(2, "a") == count(30, "b")
    paused = Volunteer.objects.filter(status=Status.PAUSED)
    assert paused.count() == 16
    assert all(v.commitments.get().pauses.get().resumed_on is None for v in paused)


def test_the_export_leaves_out_who_left_and_gives_the_running_period(
    client, coordinator_oslo, oslo
):
    from volunteers.models import CommitmentPeriod

    today = timezone.localdate()
    kari = volunteer(oslo, first_name="Kari", status="approved")
    # Renewed early: the running period ends in 20 days, the open one starts then.
    CommitmentPeriod.objects.create(
        volunteer=kari,
        starts_on=today - timedelta(days=345),
        ends_on=today + timedelta(days=20),
        ended_on=today + timedelta(days=20),
    )
    CommitmentPeriod.objects.create(
        volunteer=kari, starts_on=today + timedelta(days=20), ends_on=today + timedelta(days=385)
    )
    volunteer(oslo, first_name="Ended", status="ended")
    volunteer(oslo, first_name="Rejected", status="rejected")
    login(client, coordinator_oslo)
    book = load_workbook(io.BytesIO(client.get(reverse("volunteer_export")).content))
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["Kari"]
    assert rows[0][10] == f"{today - timedelta(days=345):%d.%m.%Y}"


def test_the_xlsx_export_shows_text_as_typed_and_never_a_formula(client, coordinator_oslo, oslo):
    volunteer(oslo, first_name="=1+1", last_name="-x", phone="+46701234567", status="approved")
    login(client, coordinator_oslo)
    book = load_workbook(io.BytesIO(client.get(reverse("volunteer_export")).content))
    first, last, _email, phone = list(book.active[2])[:4]
    assert (first.value, first.data_type) == ("=1+1", "s")
    assert first.quotePrefix and last.quotePrefix and phone.quotePrefix
    assert last.value == "-x"
    assert phone.value == "+46 70 123 45 67"  # no apostrophe in the value


def test_an_imported_ressursvenn_can_be_invited_from_her_page_after_the_import_is_gone(
    client, coordinator_oslo, oslo
):
    login(client, coordinator_oslo)
    upload(client, csv_file(good_row(), good_row("Mona", "mona@example.no", status="kurs")))
    client.post(
        reverse("volunteer_import_preview", args=[VolunteerImport.objects.get().public_id]),
        {"consent": "on"},
    )
    VolunteerImport.objects.all().delete()  # as retention does after a day
    kari = Volunteer.objects.get(email="kari@example.no")
    mona = Volunteer.objects.get(email="mona@example.no")
    invite = reverse("volunteer_invite_to_log_in", args=[kari.public_id])
    assert invite in client.get(kari.get_absolute_url()).content.decode()
    # An applicant gets her login at approval: no invitation on her page, and it is refused.
    mona_invite = reverse("volunteer_invite_to_log_in", args=[mona.public_id])
    assert mona_invite not in client.get(mona.get_absolute_url()).content.decode()
    client.post(mona_invite)
    assert not Invitation.objects.exists()

    page = client.post(invite, follow=True).content.decode()
    assert "Invitasjonen til å logge inn er sendt" in page
    assert Invitation.objects.get().email == "kari@example.no"
    kari.refresh_from_db()
    assert kari.user is not None and kari.consent_at is not None
    assert invite not in client.get(kari.get_absolute_url()).content.decode()  # once
    assert "Samtykket hennes ble bekreftet av koordinatoren ved importen" in page
