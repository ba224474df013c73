"""Her profile on her phone: the languages she speaks as chips, with «Add a language» to search
the rest (the same widget as the application), instead of a column of every language."""

import re

import pytest
from django.urls import reverse

from accounts.languages import COMMON, LANGUAGES
from tests.conftest import login
from tests.factories import volunteer
from volunteers.forms import ApplicationForm, ProfileForm
from volunteers.models import Status
from volunteers.widgets import LanguageChips, language_code

pytestmark = pytest.mark.django_db

CHECKBOX = re.compile(r'<input type="checkbox" name="languages" value="(\w+)"[^>]*?( checked)?>')


@pytest.fixture
def nora(oslo, volunteer_oslo):
    return volunteer(
        oslo,
        status=Status.APPROVED,
        user=volunteer_oslo,
        email=volunteer_oslo.email,
        phone="+4791234567",
        languages=("no", "ar"),
    )


def save(client, **overrides):
    data = {"phone": "+47 912 34 567", "languages": ["no", "ar"], "availability": ["4"]}
    data.update(overrides)
    return client.post(reverse("my_profile"), data)


def test_her_languages_are_chips_and_the_rest_are_searched_not_listed(client, nora, volunteer_oslo):
    login(client, volunteer_oslo)
    html = client.get(reverse("my_profile")).content.decode()

    # Her two languages, ticked; not a checkbox for each of the 41.
    assert CHECKBOX.findall(html) == [("no", " checked"), ("ar", " checked")]
    assert len(LANGUAGES) == 41
    # «Add a language»: one field with the whole list to pick from.
    assert 'name="languages_add"' in html and 'list="id_languages_add_list"' in html
    assert html.count('<option value="') >= len(LANGUAGES)
    assert 'data-code="ti"' in html and "tigrinja" in html
    assert "Legg til et språk" in html


def test_one_widget_for_the_application_and_the_profile():
    assert isinstance(ApplicationForm().fields["languages"].widget, LanguageChips)
    assert isinstance(ProfileForm().fields["languages"].widget, LanguageChips)


def test_the_application_suggests_the_common_languages_before_any_is_chosen(client, oslo):
    html = client.get(reverse("become_volunteer")).content.decode()
    assert [code for code, _checked in CHECKBOX.findall(html)] == list(COMMON)
    assert 'name="languages_add"' in html


@pytest.mark.parametrize("typed", ["Tigrinja", "tigrinya", " TIGRINJA ", "ti"])
def test_she_adds_a_language_by_its_name_or_code_and_untick_removes_one(
    client, nora, volunteer_oslo, typed
):
    login(client, volunteer_oslo)
    response = save(client, languages=["no"], languages_add=typed)
    assert response.status_code == 302
    nora.refresh_from_db()
    assert nora.language_codes == ["no", "ti"]


def test_a_chosen_language_added_again_is_kept_once(client, nora, volunteer_oslo):
    login(client, volunteer_oslo)
    assert save(client, languages_add="Arabisk").status_code == 302
    assert nora.language_codes == ["no", "ar"]


@pytest.mark.parametrize(
    ("overrides", "message", "kept"),
    [
        (
            {"languages_add": "Klingon"},
            "Vi kjenner ikke språket «Klingon». Skriv de første bokstavene og velg fra listen.",
            'value="Klingon"',
        ),
        ({"languages": ["no", "xx"]}, "Vi kjenner ikke språket «xx».", None),
        ({"languages": []}, "Velg minst ett språk.", None),
        ({"languages": [], "languages_add": "   "}, "Velg minst ett språk.", None),
    ],
)
def test_bad_languages_get_a_message_by_the_field_and_nothing_changes(
    client, nora, volunteer_oslo, overrides, message, kept
):
    login(client, volunteer_oslo)
    response = save(client, phone="+47 987 65 432", **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'id="error_1_id_languages">([^<]*)<', html)
    assert error and message in error.group(1)
    if kept:
        assert kept in html
    # The search field is marked and described by the message (the page takes her there).
    add = re.search(r'<input type="text"[^>]*name="languages_add"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in add
    assert 'aria-describedby="error_1_id_languages id_languages_add_help"' in add
    nora.refresh_from_db()
    assert nora.language_codes == ["no", "ar"] and nora.phone.as_e164 == "+4791234567"


def test_a_name_is_a_language_only_when_it_names_one():
    assert language_code("Norsk") == language_code("norwegian") == "no"
    assert language_code("Kurdisk (sorani)") == "ckb"
    assert language_code("") is None and language_code("Klingon") is None
