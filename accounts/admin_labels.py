"""Names in Norwegian for the models Django's admin shows that a library gave no translatable
name: allauth's authenticators (two-step login) and auditlog's unnamed field.

Set on the model's options and fields at start-up. Migrations do not see them: they read the
names a model was declared with (`Options.original_attrs`, `Field._verbose_name`), so no
migration is made in the library's app.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

LABELS = {
    ("mfa", "authenticator"): (
        _("two-step authenticator"),
        _("two-step authenticators"),
        {
            "user": _("person"),
            "type": _("type"),
            "data": _("data"),
            "created_at": _("created"),
            "last_used_at": _("last used"),
        },
    ),
    ("auditlog", "logentry"): (None, None, {"serialized_data": _("saved data")}),
}


def name_library_models() -> None:
    for (app_label, model_name), (singular, plural, fields) in LABELS.items():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if singular:
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
        for name, label in fields.items():
            model._meta.get_field(name).verbose_name = label
