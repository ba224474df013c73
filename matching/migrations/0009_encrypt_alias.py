"""Her alias is sensitive too: encrypt the column and the values already in it. Reversible: going
back decrypts the values before the column is made plain (and short) again."""

from django.db import migrations

import common.crypto
from common.crypto import decrypt_existing_rows, encrypt_existing_rows


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0008_mask_history_of_places_and_reasons"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referral",
            name="alias",
            field=common.crypto.EncryptedTextField(
                max_length=40, verbose_name="alias or first name"
            ),
        ),
        migrations.RunPython(
            encrypt_existing_rows("matching_referral", ["alias"]),
            decrypt_existing_rows("matching_referral", ["alias"]),
        ),
    ]
