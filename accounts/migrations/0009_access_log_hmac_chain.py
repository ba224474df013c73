"""The access log's chain becomes keyed (HMAC-SHA256 with AUDIT_LOG_KEYS).

The entries written until now stay as they are (the log is append-only) and keep their plain
SHA-256: this migration records the last of them in the chain head and signs the head with the
audit key, so they are verified as the legacy segment and nothing after it can pass as one.
Run it with the web and worker processes stopped, as every migration of a release: an old
process writing meanwhile would add unsigned entries after the boundary, which verification
reports.
"""

from django.db import migrations, models


def seal_legacy_segment(apps, schema_editor):
    from accounts.audit import GENESIS, head_sign

    AccessLog = apps.get_model("accounts", "AccessLog")
    AccessLogHead = apps.get_model("accounts", "AccessLogHead")
    last_id = AccessLog.objects.order_by("-id").values_list("id", flat=True).first()
    head, _created = AccessLogHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS})
    head.legacy_until = last_id or 0
    head_sign(head)
    head.save()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_access_log_reset_two_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="accessloghead",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="accessloghead",
            name="legacy_until",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="accessloghead",
            name="signature",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal_legacy_segment, migrations.RunPython.noop),
    ]
