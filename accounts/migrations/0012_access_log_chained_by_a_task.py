"""The access log is chained by a periodic task instead of by each page view.

A page view no longer locks the chain head: it writes its entry sealed (`seal`) and unchained
(`chain_position` null, no hash yet), and `accounts.chain_access_log` chains the waiting entries
(accounts.audit.chain_pending). The chain's order becomes `chain_position`.

The entries written until now are already chained, in the order of their ids (each page view
held the head's lock while it took its id): they get their positions in that order, and keep
their hashes as they are, so they verify as before. Nothing is re-signed; the head is unchanged.

Compatible with the previous release running meanwhile: `seal` has a database default, and an
entry that release writes after this migration (chained as it was written, with no position) is
taken into the chain as it is by the task.
"""

from django.db import migrations, models

BATCH = 5000


def number_the_chain(apps, schema_editor):
    AccessLog = apps.get_model("accounts", "AccessLog")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(AccessLog._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} AS entry SET chain_position = numbered.n "  # noqa: S608
            f"FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}) AS numbered "
            "WHERE entry.id = numbered.id"
        )
        return
    position, after = 0, 0
    while True:
        entries = list(AccessLog.objects.filter(id__gt=after).order_by("id")[:BATCH])
        if not entries:
            return
        for entry in entries:
            position += 1
            entry.chain_position = position
        AccessLog.objects.bulk_update(entries, ["chain_position"])
        after = entries[-1].id


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0011_user_access_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="chain_position",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="seal",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(number_the_chain, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="accesslog",
            index=models.Index(
                condition=models.Q(("chain_position__isnull", True)),
                fields=["id"],
                name="accesslog_unchained",
            ),
        ),
    ]
