"""Choice labels without translating every choice.

Django's `get_<field>_display()` builds a dict of all of a field's choices on every call, and
hashing each lazy label translates it: a list of 50 volunteers translated every status 50 times
(350 lookups) to show 50 labels. `ChoiceLabels` gives the same answer from a table of the field's
choices built once per field, and translates only the label shown.
"""

from django.db import models
from django.utils.encoding import force_str


def _labels(field: models.Field) -> dict:
    """value → (lazy) label, for every choice of `field`; built once, translated when shown."""
    labels = field.__dict__.get("_choice_labels")
    if labels is None:
        labels = dict(field.flatchoices)  # the labels stay lazy: nothing is translated here
        field.__dict__["_choice_labels"] = labels
    return labels


class ChoiceLabels:
    """Mixed into a model (before models.Model): its get_<field>_display() methods answer as
    Django's do, in the active language, without translating the choices not shown."""

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # a value that cannot be a key (Django's make_hashable case)
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        return force_str(label, strings_only=True)
