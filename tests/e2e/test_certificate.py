"""She downloads her volunteer certificate on her phone (issue 18, item 7): her hours on her
profile, the button «Last ned frivillighetsattest», and a PDF."""

from pathlib import Path

import pytest

from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_she_downloads_her_certificate_on_her_phone(
    people, checker, words, oslo, volunteer_oslo, make_volunteer, tmp_path
):
    make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email, first_name="Nora")
    page = people(words.language, phone=True)
    log_in(page, checker, words, volunteer_oslo, PASSWORD)
    page.goto("/min-side/profil/")
    checker.arrived(page)
    main = page.locator("main")
    assert main.get_by_role("heading", name=words("Your hours as a volunteer")).is_visible()
    shoot(page, f"certificate-{words.language}")
    button = main.get_by_role("link", name=words("Download volunteer certificate"))
    assert button.is_visible()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "frivillighetsattest.pdf"
    saved = Path(tmp_path) / "attest.pdf"
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"Nora" in pdf
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
