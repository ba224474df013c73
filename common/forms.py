"""Form pieces every app shares: the crispy helper and the date widget."""

from crispy_forms.helper import FormHelper
from django import forms


def fields_only_helper() -> FormHelper:
    """crispy renders the fields; the template writes the <form> tag and its {% csrf_token %}."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
