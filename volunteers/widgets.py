"""The languages she speaks as chips: the ones chosen (before any is, the most common) as a
row of ticked chips, and «Add a language» with the whole list to search in. One widget for the
application and for her profile."""

from django import forms
from django.utils import translation

from accounts.languages import COMMON, LANGUAGES

ADD_SUFFIX = "_add"


def language_code(text: str) -> str | None:
    """The code of the language `text` names: its code, or its name in Norwegian or English,
    in any case. None when it names none."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    for code, name in LANGUAGES:
        if wanted == code:
            return code
        for language in ("nb", "en"):
            with translation.override(language):
                if wanted == str(name).casefold():
                    return code
    return None


class LanguageChips(forms.CheckboxSelectMultiple):
    """Ticked chips for the chosen languages and a search field («Add a language», a text
    field with the list of names) for the rest: a few dozen checkboxes in one column no more.

    Without script she types or picks a name and saves: the name becomes its code here, or,
    when it names no language, stays as typed for the field to refuse (its `invalid_choice`
    message) and is shown again in the search field. With script (static/js/app.js,
    `data-language-chips`) a name picked becomes a ticked chip at once."""

    template_name = "volunteers/widgets/language_chips.html"

    def __init__(self, *args, suggested: tuple[str, ...] = COMMON, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggested = suggested

    def value_from_datadict(self, data, files, name):
        chosen = list(super().value_from_datadict(data, files, name) or [])
        typed = " ".join(str(data.get(name + ADD_SUFFIX, "")).split())
        if typed:
            chosen.append(language_code(typed) or typed)
        return chosen

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        options = [option for _g, group, _i in widget["optgroups"] for option in group]
        codes = {str(option["value"]) for option in options}
        chosen = [option for option in options if option["selected"]]
        widget["chips"] = chosen or [o for o in options if o["value"] in self.suggested]
        widget["all"] = options
        widget["typed"] = next((v for v in widget["value"] if v not in codes), "")
        base = widget["attrs"].get("id") or f"id_{name}"
        widget["base_id"] = base
        widget["add_name"] = name + ADD_SUFFIX
        widget["add_id"] = base + ADD_SUFFIX
        # With an error (BoundField marks the widget), the search field says so and is where
        # the page takes her (static/js/app.js, focusFirstError); the message's id as in
        # volunteers/includes/languages_field.html.
        widget["invalid"] = widget["attrs"].get("aria-invalid") == "true"
        widget["error_id"] = f"error_1_{base}"
        return context
