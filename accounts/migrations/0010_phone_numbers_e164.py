"""Phone numbers of people, associations and shelters are read and stored like the volunteers'
(phonenumber-field, Norwegian unless a country code is given, E.164 in the database).

Existing values are normalised to E.164 first. A value that cannot be read as a valid number is
KEPT as it was, and reported by table and id (never the number): it may be the only copy of a
shelter's emergency number, written in a way the parser does not know (a short number, a
"(switchboard)" after it), and a person can still read and call it. Blanking it would lose it
without anyone noticing; kept, it shows as typed, and the admin form asks for a valid number
the next time the record is saved.
"""

import logging
import sys

import phonenumber_field.modelfields
import phonenumbers
from django.db import migrations

logger = logging.getLogger("accounts.migrations")

PHONE_INVALID = "Enter a valid phone number, e.g. 912 34 567."


def as_e164(raw: str) -> str | None:
    """`raw` in E.164 (Norwegian unless it has a country code); None when it is not a valid
    number."""
    try:
        number = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(model, out=None) -> tuple[int, list[int]]:
    """Rewrite the `phone` of every row of `model` in E.164. Returns how many rows changed and
    the ids of the rows whose value could not be read (kept unchanged), and reports both."""
    out = out or sys.stdout
    changed, unreadable = 0, []
    rows = model.objects.exclude(phone="").order_by("pk").values_list("pk", "phone")
    for pk, raw in rows.iterator():
        raw = str(raw or "")
        value = as_e164(raw.strip()) if raw.strip() else ""
        if value is None:
            unreadable.append(pk)
        elif value != raw:
            model.objects.filter(pk=pk).update(phone=value)
            changed += 1
    label = f"{model._meta.app_label}.{model._meta.object_name}"
    if changed:
        out.write(f"  {label}: {changed} phone number(s) normalised to E.164.\n")
    if unreadable:
        ids = ", ".join(str(pk) for pk in unreadable)
        message = (
            f"{label}: {len(unreadable)} phone number(s) could not be read and are kept as they "
            f"were; correct them in the admin (ids: {ids})."
        )
        out.write(f"  {message}\n")
        logger.warning(message)
    return changed, unreadable


def normalise_phones(apps, schema_editor) -> None:
    for name in ("User", "Association", "Shelter"):
        normalise(apps.get_model("accounts", name))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_access_log_hmac_chain"),
    ]

    operations = [
        # While the columns are still plain text: the historical models read the raw values.
        migrations.RunPython(normalise_phones, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="association",
            name="phone",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True,
                error_messages={"invalid": PHONE_INVALID},
                max_length=128,
                region="NO",
                verbose_name="contact phone",
            ),
        ),
        migrations.AlterField(
            model_name="shelter",
            name="phone",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True,
                error_messages={"invalid": PHONE_INVALID},
                help_text="The number volunteers can call in an emergency.",
                max_length=128,
                region="NO",
                verbose_name="phone",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True,
                error_messages={"invalid": PHONE_INVALID},
                help_text="Shown to the volunteers of her association when she is a coordinator.",
                max_length=128,
                region="NO",
                verbose_name="phone",
            ),
        ),
    ]
