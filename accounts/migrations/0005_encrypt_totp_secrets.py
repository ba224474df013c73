from cryptography.fernet import InvalidToken
from django.db import migrations


def encrypt_secrets(apps, schema_editor):
    from common import crypto

    authenticator = apps.get_model("mfa", "Authenticator")
    for row in authenticator.objects.filter(type="totp"):
        secret = row.data.get("secret", "")
        try:
            crypto.decrypt(secret)
        except InvalidToken:
            row.data["secret"] = crypto.encrypt(secret)
            row.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_language_user_weekly_digest"), ("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop)]
