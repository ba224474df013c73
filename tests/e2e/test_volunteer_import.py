"""The coordinator moves her association's volunteers in from its spreadsheet: she downloads the
template, uploads the demo sheet with two bad rows, reads why in the preview (nothing imported),
fixes the two rows, uploads the sheet again, confirms, and finds the volunteers in her list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD
from volunteers import sheet
from volunteers.models import Status, Volunteer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "Fornavn;Etternavn;E-post;Mobil;Kommune;Fødselsår;Språk;Kvinne;Status;Kurs fullført;Bindingstid fra"


def demo_sheet(*, fixed: bool) -> bytes:
    """The demo: four volunteers as a Norwegian Excel saves a CSV (semicolons, a BOM). Two rows
    are bad until fixed: an unknown municipality and a man's row."""
    course = f"{timezone.localdate() - timedelta(days=90):%d.%m.%Y}"
    start = f"{timezone.localdate() - timedelta(days=60):%d.%m.%Y}"
    rows = [
        f"Ingrid;Lie;ingrid.lie@example.no;912 34 001;Oslo;1975;no, en;ja;godkjent;{course};{start}",
        f"Fatima;Berg;fatima.berg@example.no;912 34 002;{'Bærum' if fixed else 'Bærumm'};1988;"
        f"no, ar;ja;godkjent;{course};{start}",
        f"Toril;Dahl;toril.dahl@example.no;912 34 003;Oslo;1969;no;{'ja' if fixed else 'nei'};kurs;;",
        "Sara;Moen;sara.moen@example.no;912 34 004;Oslo kommune;1990;no, so;ja;søkt;;",
    ]
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode()


def test_the_coordinator_imports_the_demo_sheet_fixes_two_rows_and_confirms(
    people, checker, words, coordinator_oslo, tmp_path
):
    hanne = people(words.language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    hanne.goto("/frivillige/")
    checker.arrived(hanne)
    hanne.get_by_role("link", name=words.exact("Import volunteers")).click()
    hanne.wait_for_url("**/frivillige/importer/")
    checker.arrived(hanne)

    # The template she fills in has the columns the import reads.
    with hanne.expect_download() as download:
        hanne.get_by_role("link", name=words.exact("Download the template")).click()
    template = sheet.read(download.value.path().read_bytes())
    assert not template.missing

    bad = tmp_path / "frivillige.csv"
    bad.write_bytes(demo_sheet(fixed=False))
    hanne.get_by_label(words.field("Spreadsheet (.xlsx or .csv)")).set_input_files(str(bad))
    hanne.get_by_role("button", name=words.exact("Show the preview")).click()
    hanne.wait_for_url("**/frivillige/importer/*/")
    checker.arrived(hanne, state="two bad rows")
    main = hanne.locator("main")
    assert main.locator("tr.import-invalid").count() == 2
    assert "Bærumm" in main.locator("tr.import-invalid").first.inner_text()
    assert words("Invalid:") in main.inner_text()
    # Nothing can be imported while a row is invalid.
    assert main.locator("form[method=post] button").count() == 0
    assert not Volunteer.objects.exists()
    shoot(hanne, f"volunteer-import-preview-{words.language}")

    hanne.get_by_role("link", name=words.exact("Upload the fixed sheet")).click()
    hanne.wait_for_url("**/frivillige/importer/")
    good = tmp_path / "frivillige-rettet.csv"
    good.write_bytes(demo_sheet(fixed=True))
    hanne.get_by_label(words.field("Spreadsheet (.xlsx or .csv)")).set_input_files(str(good))
    hanne.get_by_role("button", name=words.exact("Show the preview")).click()
    hanne.wait_for_url("**/frivillige/importer/*/")
    checker.arrived(hanne, state="all valid")
    assert hanne.locator("main tr.import-new").count() == 4
    confirm = words.plural("Import %(count)s volunteer", "Import %(count)s volunteers", 4) % {
        "count": 4
    }
    hanne.get_by_label(
        words.field(
            "I confirm that the volunteers in the sheet have consented to the association "
            "keeping their details."
        )
    ).check()
    hanne.get_by_role("button", name=confirm).click()
    hanne.wait_for_load_state("load")
    checker.arrived(hanne, state="imported")
    imported = words.plural(
        "%(count)s volunteer was imported.", "%(count)s volunteers were imported.", 4
    ) % {"count": 4}
    assert imported in hanne.locator("main").inner_text()

    hanne.get_by_role("link", name=words.exact("See the list of volunteers")).click()
    hanne.wait_for_url("**/frivillige/")
    checker.arrived(hanne, state="with the imported")
    listed = hanne.locator("main tbody").inner_text()
    for name in ("Ingrid Lie", "Fatima Berg", "Toril Dahl", "Sara Moen"):
        assert name in listed
    assert Volunteer.objects.get(email="ingrid.lie@example.no").status == Status.APPROVED
    assert Volunteer.objects.filter(imported_by=coordinator_oslo).count() == 4
    checker.assert_clean()
