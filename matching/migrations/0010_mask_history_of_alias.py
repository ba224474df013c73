"""The change history kept her alias in plain text before it was encrypted (0009) and masked:
mask it in the entries already written. What is masked cannot come back, so going back changes
nothing."""

from django.db import migrations

FIELDS = {"referral": ["alias"]}
MASK = "(changed)"  # what common.audit.mask_changed writes (in the default language)


def mask_old_entries(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, fields in FIELDS.items():
        content_type = ContentType.objects.filter(app_label="matching", model=model).first()
        if content_type is None:
            continue
        for entry in LogEntry.objects.filter(content_type=content_type).iterator():
            changes = entry.changes if isinstance(entry.changes, dict) else None
            if not changes or not any(name in changes for name in fields):
                continue
            for name in fields:
                if name in changes:
                    changes[name] = [MASK, MASK]
            entry.changes = changes
            entry.changes_text = ""
            entry.save(update_fields=["changes", "changes_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0009_encrypt_alias"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(mask_old_entries, migrations.RunPython.noop)]
