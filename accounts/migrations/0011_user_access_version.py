"""User.access_version, raised by the database itself whenever one of her memberships or
authenticators is inserted, changed or deleted, however it happens (a save, a queryset update, a
bulk insert, the admin, raw SQL). The access middleware caches her access under it
(accounts/access.py, access_of), so the cache can never outlive a change."""

from django.db import migrations, models

# (table, column naming the user) whose rows decide what a person may do.
WATCHED = (("accounts_membership", "user_id"), ("mfa_authenticator", "user_id"))

BUMP = "UPDATE accounts_user SET access_version = access_version + 1 WHERE id = {row}.{column};"

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION rv_access_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE accounts_user SET access_version = access_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE accounts_user SET access_version = access_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _statements(vendor: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements for the database in use."""
    create, drop = [], []
    if vendor == "postgresql":
        create.append(POSTGRESQL_FUNCTION)
        for table, _column in WATCHED:
            create.append(
                f"CREATE TRIGGER rv_access_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rv_access_changed();"
            )
            drop.append(f"DROP TRIGGER IF EXISTS rv_access_changed ON {table};")
        drop.append("DROP FUNCTION IF EXISTS rv_access_changed();")
    elif vendor == "sqlite":
        for table, column in WATCHED:
            for event, rows in (
                ("INSERT", ("NEW",)),
                ("UPDATE", ("OLD", "NEW")),
                ("DELETE", ("OLD",)),
            ):
                name = f"rv_access_{table}_{event.lower()}"
                body = " ".join(BUMP.format(row=row, column=column) for row in rows)
                create.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END;")
                drop.append(f"DROP TRIGGER IF EXISTS {name};")
    else:
        raise NotImplementedError(f"No access-version triggers for {vendor}.")
    return create, drop


def create_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_phone_numbers_e164"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="access_version",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
