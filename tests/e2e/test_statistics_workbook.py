"""The national admin's statistics: the summary in words on top, the words beside every hidden
number, and everything downloaded as one workbook, opened as a spreadsheet would."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_national_admin_reads_the_summary_and_downloads_the_workbook(
    people, checker, words, active_match, national_admin
):
    ingrid = people(words.language)
    log_in(ingrid, checker, words, national_admin, PASSWORD)
    ingrid.get_by_role("navigation").get_by_role("link", name=words("Statistics")).click()
    ingrid.wait_for_url("**/statistikk/")
    checker.arrived(ingrid)

    # The summary first: one match started this year, said in words, never as "<5".
    summary = ingrid.locator("#summary-text")
    assert summary.is_visible()
    fewer = words("fewer than %(n)s") % {"n": 5}
    text = summary.inner_text()
    assert fewer[0].upper() + fewer[1:] in text, text
    assert "<5" not in text
    box = ingrid.locator("#summary").bounding_box()
    first_table = ingrid.locator("table").first.bounding_box()
    assert box is not None and first_table is not None and box["y"] < first_table["y"]
    # Every hidden number has its reason beside it, in words.
    why = words("fewer than %(n)s – hidden to protect the people it is about") % {"n": 5}
    assert ingrid.get_by_text(why).first.is_visible()
    shoot(ingrid, f"statistics-summary-{words.language}")

    # Everything as one workbook.
    with ingrid.expect_download() as downloaded:
        ingrid.get_by_role(
            "link", name=re.compile(re.escape(words("Download everything (Excel workbook)")))
        ).click()
    download = downloaded.value
    assert download.suggested_filename.startswith("statistikk-")
    assert download.suggested_filename.endswith(".xlsx")
    # (Playwright keeps the file under a name of its own, without .xlsx.)
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames[0] == words("About the figures")
    assert words("Outcomes") in book.sheetnames
    assert words("Each association") in book.sheetnames
    assert all(len(name) <= 31 for name in book.sheetnames)
    outcomes = book[words("Outcomes")]
    assert outcomes["A1"].font.bold
    assert outcomes["A1"].value == words("Outcome")
    # No count from 1 to 4 is in the file: hidden as in the CSV files.
    for sheet in (outcomes, book[words("Each association")]):
        for row in sheet.iter_rows(min_row=2, min_col=2, values_only=True):
            for value in row:
                assert not (isinstance(value, int) and 1 <= value <= 4), (sheet.title, row)
    # No woman's alias anywhere in it.
    every = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "Amina" not in every and "Nora" not in every
