"""Labels as a native speaker reads them (issue 17, "Wording"): each text below once read wrongly."""

import pytest
from django import forms
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.forms import MunicipalityField
from accounts.languages import language_name
from accounts.models import Municipality
from tests.conftest import login
from tests.factories import municipality


def render(source: str, **context) -> str:
    return Template("{% load i18n ressursvenner %}" + source).render(Context(context))


def test_a_missing_field_asks_to_be_filled_in_not_officialese():
    class Form(forms.Form):
        name = forms.CharField()

    with translation.override("nb"):
        assert Form(data={}).errors["name"] == ["Fyll ut dette feltet."]


@pytest.mark.django_db
def test_the_password_page_says_bytt_passord(client, volunteer_oslo):
    login(client, volunteer_oslo)
    html = client.get(reverse("account_change_password")).content.decode()
    assert "Bytt passord" in html
    assert "Endre" not in html


@pytest.mark.parametrize(
    ("languages", "preferred", "nb", "en"),
    [
        (["no"], "no", "norsk", "Norwegian"),
        (["no", "uk"], "uk", "norsk, ukrainsk (foretrekker ukrainsk)", None),
        (["uk", "no"], "no", "ukrainsk, norsk (foretrekker norsk)", None),
        (["ar"], "ar", "arabisk", "Arabic"),
    ],
)
def test_her_languages_are_said_once_and_in_lower_case(languages, preferred, nb, en):
    source = "{% languages_and_preference languages preferred %}"
    with translation.override("nb"):
        assert render(source, languages=languages, preferred=preferred) == nb
    if en:
        with translation.override("en"):
            assert render(source, languages=languages, preferred=preferred) == en


def test_language_names_are_lower_case_in_norwegian_and_capitalised_in_english():
    with translation.override("nb"):
        assert [language_name(c) for c in ("no", "uk", "se", "ckb")] == [
            "norsk",
            "ukrainsk",
            "nordsamisk",
            "kurdisk (sorani)",
        ]
    with translation.override("en"):
        assert language_name("uk") == "Ukrainian"


@pytest.mark.django_db
def test_a_municipality_that_shares_its_countys_name_is_named_once():
    assert municipality("0301").label == "Oslo"
    assert municipality("4601").label == "Bergen (Vestland)"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Oslo kommune", "oslo Kommune", "Kommunen Oslo", " Oslo  "])
def test_oslo_kommune_is_oslo(typed):
    assert MunicipalityField().clean(typed) == Municipality.objects.get(number="0301")


@pytest.mark.django_db
def test_herøy_kommune_still_asks_which_herøy():
    with pytest.raises(forms.ValidationError) as raised:
        MunicipalityField().clean("Herøy kommune")
    assert raised.value.code == "ambiguous"


def test_the_shelters_date_column_is_named_for_what_it_means():
    from matching.models import Referral

    referral = Referral(alias="x")
    request = RequestFactory().get("/")
    with translation.override("nb"):
        html = Template("{% include 'matching/includes/shelter_referral_table.html' %}").render(
            Context({"referrals": [referral], "request": request})
        )
    assert "Status endret" in html and ">Siden<" not in html


def test_the_consent_date_is_labelled_as_a_date():
    from matching.forms import ReferralForm

    with translation.override("nb"):
        assert str(ReferralForm.base_fields["consent_on"].label) == "Dato for samtykke"


def test_the_norwegian_says_kobling_never_match():
    """The glossary's one word for a match is «kobling»; «aktiv match» once slipped through."""
    import re

    from django.utils.translation import trans_real

    catalog = trans_real.translation("nb")._catalog
    english_noun = re.compile(r"\bmatch(en|er|ene)?\b", re.IGNORECASE)
    wrong = [
        text
        for text in (value if isinstance(value, str) else "" for _key, value in catalog.items())
        if english_noun.search(text)
    ]
    assert wrong == []


def test_the_norwegian_never_says_forfaller_for_what_is_due():
    """The glossary: what is due is «skal holdes», «tid for …»; «forfaller» is said of bills."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("nb")._catalog
    texts = [value for _key, value in catalog.items() if isinstance(value, str)]
    assert [text for text in texts if "forfall" in text.lower()] == []
