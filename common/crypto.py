"""Encryption at rest for the fields that can hold sensitive facts.

Authenticated encryption (Fernet: AES-128-CBC with HMAC-SHA256) through `cryptography`'s
MultiFernet: the first key of FIELD_ENCRYPTION_KEYS encrypts, every key decrypts, so keys can be
rotated (`manage.py rotate_encryption_key` re-encrypts every row with the first key). A stolen
database dump or backup holds only tokens.

The database cannot search or sort these columns (her alias among them); nothing needs to:
filters and orderings run on other fields, and a page that ever needs to sort by one sorts its own
bounded, already-filtered rows after decryption.
"""

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=1)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
        ) from error


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def key_fingerprint(key: str) -> str:
    """A short fingerprint naming a key of FIELD_ENCRYPTION_KEYS (in a backup's manifest, on a
    sealed copy of the key), never the key itself: the first 16 hex digits of a SHA-256 over
    the key with a prefix of its own, so it matches no other hash of the key."""
    return hashlib.sha256(b"ressursvenner.field-key|" + key.strip().encode()).hexdigest()[:16]


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same text, encrypted again with the first (newest) key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted. An empty value is stored empty (it says nothing)."""

    encrypted = True

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken as error:
            # Never hand out ciphertext or guess: a wrong key is a configuration error.
            raise ImproperlyConfigured(
                f"Cannot decrypt {self.model.__name__}.{self.name}: is FIELD_ENCRYPTION_KEYS missing a key?"
            ) from error

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


class EncryptedIntegerField(models.TextField):
    """A small integer (bit flags) stored encrypted, read back as int."""

    encrypted = True

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return 0
        try:
            return int(decrypt(value))
        except InvalidToken as error:
            raise ImproperlyConfigured(
                f"Cannot decrypt {self.model.__name__}.{self.name}: is FIELD_ENCRYPTION_KEYS missing a key?"
            ) from error

    def to_python(self, value):
        if value in (None, ""):
            return 0
        return int(value)

    def get_prep_value(self, value):
        return encrypt(str(int(value or 0)))

    def formfield(self, **kwargs):
        from django import forms

        return forms.IntegerField(**kwargs)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and those fields' names."""
    from django.apps import apps

    result = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if names:
            result.append((model, names))
    return result


def _rewrite_existing_rows(table: str, columns: list[str], transform):
    """A migration operation's function: pass every non-empty value of `columns` in `table`
    through `transform`, which returns the new value or None to leave it as it is."""

    def run(apps, schema_editor):
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)}")  # noqa: S608 - names from code
            for row_id, *values in cursor.fetchall():
                updates = {}
                for column, value in zip(columns, values, strict=True):
                    if value not in (None, ""):
                        new = transform(str(value))
                        if new is not None:
                            updates[column] = new
                if updates:
                    assignments = ", ".join(f"{quote(c)} = %s" for c in updates)
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                        [*updates.values(), row_id],
                    )

    return run


def _encrypted_unless_token(value: str) -> str | None:
    try:
        decrypt(value)
    except InvalidToken:
        return encrypt(value)
    return None


def _decrypted_if_token(value: str) -> str | None:
    try:
        return decrypt(value)
    except InvalidToken:
        return None


def encrypt_existing_rows(table: str, columns: list[str]):
    """A migration operation's function: encrypt the plain values already in `columns` of
    `table` (values that are tokens already are left alone)."""
    return _rewrite_existing_rows(table, columns, _encrypted_unless_token)


def decrypt_existing_rows(table: str, columns: list[str]):
    """The reverse of encrypt_existing_rows, for a migration that turns an encrypted column back
    into a plain one (values that are not tokens are left alone)."""
    return _rewrite_existing_rows(table, columns, _decrypted_if_token)
