"""One version, in pyproject.toml: the settings read it, the changelog's newest release names it,
and the admin's footer shows it to national admins - no public page does."""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_settings_read_the_version_from_pyproject():
    assert _pyproject_version() == settings.APP_VERSION


def test_the_changelogs_newest_release_is_this_version_under_unreleased():
    headings = re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    version, _dash, date = headings[1].partition(" — ")
    assert version == _pyproject_version()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), headings[1]


def test_the_admin_footer_shows_the_version_to_a_superuser(client, superuser_admin):
    login(client, superuser_admin)
    page = client.get(reverse("admin:index")).content.decode()
    footer = re.search(r'<footer id="footer">(.*?)</footer>', page, flags=re.DOTALL)
    assert footer and settings.APP_VERSION in footer.group(1)
    assert "Ressursvenner versjon" in footer.group(1)  # in her language


@pytest.mark.parametrize("name", ["home", "privacy", "account_login", "become_volunteer", "health"])
def test_no_public_page_shows_the_version(client, db, settings, name):
    settings.APP_VERSION = "9.8.7-version-marker"
    response = client.get(reverse(name))
    assert "9.8.7-version-marker" not in response.content.decode()


def test_no_page_of_the_application_shows_the_version_to_a_logged_in_person(
    client, settings, coordinator_oslo
):
    settings.APP_VERSION = "9.8.7-version-marker"
    login(client, coordinator_oslo)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "9.8.7-version-marker" not in response.content.decode()
