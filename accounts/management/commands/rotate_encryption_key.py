from django.core.management.base import BaseCommand
from django.db import connection, transaction

from common import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS. Put a new "
        "key first (keep the old ones after it), run this, then the old keys can be removed."
    )

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        total = 0
        for model, names in crypto.encrypted_fields():
            table = model._meta.db_table
            columns = [model._meta.get_field(name).column for name in names]
            # Table and column names come from the models, never from input.
            names_sql = ", ".join(quote(c) for c in columns)
            select = f"SELECT id, {names_sql} FROM {quote(table)}"  # noqa: S608
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            update = f"UPDATE {quote(table)} SET {assignments} WHERE id = %s"  # noqa: S608
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select)
                for row_id, *values in cursor.fetchall():
                    rotated = [crypto.rotate(v) if v else v for v in values]
                    cursor.execute(update, [*rotated, row_id])
                    total += 1
            self.stdout.write(f"{model._meta.label}: {', '.join(names)}")
        from allauth.mfa.models import Authenticator

        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().filter(
                type=Authenticator.Type.TOTP
            ):
                authenticator.data["secret"] = crypto.rotate(authenticator.data["secret"])
                authenticator.save(update_fields=["data"])
                total += 1
        self.stdout.write(f"Re-encrypted {total} rows with the first key.")
