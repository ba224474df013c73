"""ListSelect writes the same <select> as Django's Select (without a template per option)."""

import re

import pytest
from django import forms

from common.forms import ListSelect

CHOICES = [
    ("", "Alle"),
    ("a&b", "Tom & <Jerry>"),
    ("no", "Norsk"),
    ("Gruppe", [("x", "Ex"), ("y", '"Why"')]),
]


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_the_same_html_as_djangos_select_for_each_value():
    for value in ["", "a&b", "no", "y", None, ["no"]]:
        attrs = {"class": "form-select", "id": "id_f"}
        ours = ListSelect(choices=CHOICES).render("f", value, attrs=attrs)
        django = forms.Select(choices=CHOICES).render("f", value, attrs=attrs)
        assert normalised(ours) == normalised(django), value
    assert "Tom &amp; &lt;Jerry&gt;" in ours and 'value="a&amp;b"' in ours


@pytest.mark.django_db
def test_the_volunteer_filter_keeps_the_chosen_values():
    from tests.factories import AssociationFactory
    from volunteers.forms import VolunteerFilterForm

    form = VolunteerFilterForm(
        {"status": "approved", "language": "so"}, association=AssociationFactory()
    )
    html = str(form["status"]) + str(form["language"])
    assert '<option value="approved" selected>' in html
    assert '<option value="so" selected>' in html
