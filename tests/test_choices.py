"""ChoiceLabels: get_<field>_display() answers exactly as Django's does, in the active language,
and translates only the label it shows."""

from functools import partialmethod

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import trans_real

from common.choices import ChoiceLabels
from volunteers.models import Status, Volunteer

MODELS = [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_the_models_whose_choices_lists_show_use_it():
    names = {m.__name__ for m in MODELS}
    assert {"Volunteer", "Referral", "Match", "Enrolment", "Invitation"} <= names


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_choice_of_every_field_gets_the_label_django_gives(model, language):
    # A reason a programme list names (accounts/lists.py) has its own display, from the list.
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.choices and isinstance(model.__dict__[f"get_{f.name}_display"], partialmethod)
    ]
    if not fields:
        pytest.skip("its only choices are named by a programme list")
    with translation.override(language):
        for field in fields:
            for value, _label in [*field.flatchoices, ("no-such-value", None)]:
                row = model(**{field.attname: value})
                ours = getattr(row, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(row, field)
                assert ours == django, (model, field.name, value)
                assert type(ours) is type(django)


def test_only_the_label_shown_is_translated(monkeypatch):
    asked = []
    original = trans_real.DjangoTranslation.gettext

    def counting(self, message):
        asked.append(message)
        return original(self, message)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", counting)
    volunteer = Volunteer(status=Status.APPROVED)
    with translation.override("nb"):
        label = volunteer.get_status_display()
        django_asked = len(asked)
        asked.clear()
        models.Model._get_FIELD_display(volunteer, Volunteer._meta.get_field("status"))
    assert label == str(Status.APPROVED.label) and label != "Approved"
    assert django_asked == 1  # ours
    assert len(asked) >= len(Status.choices)  # Django's translates every status (and more)
