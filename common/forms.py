"""Form pieces every app shares: the crispy helper, the date widget and a quick select."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


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


class ListSelect(forms.Select):
    """A select of a long list (hundreds of options) that writes its options in Python: the
    same HTML as Django's Select, without rendering a template for each option, which costs a
    page with 400 associations to choose from tens of milliseconds."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        lines = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                lines.append(format_html('  <optgroup label="{}">', group_name))
            lines.extend(
                f'  <option value="{conditional_escape(str(option["value"]))}"'
                f"{flatatt(option['attrs']) if option['attrs'] else ''}>"
                f"{conditional_escape(option['label'])}</option>"
                for option in options
            )
            if group_name:
                lines.append("  </optgroup>")
        lines.append("</select>")
        return mark_safe("\n".join(lines))  # noqa: S308 - every part escaped above
