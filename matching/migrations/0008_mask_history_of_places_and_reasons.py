"""The change history kept the first meeting's place and the withdrawal reason in plain text
before they were encrypted (0006) and masked: mask them in the entries already written."""

from django.db import migrations

FIELDS = {"match": ["first_meeting_place"], "referral": ["withdrawn_reason"]}
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
        ("matching", "0007_matchingweights_range"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(mask_old_entries, migrations.RunPython.noop)]
