"""Writing many rows fast: PostgreSQL's COPY, with the model's own columns and defaults.

`Writer.copy(Model, columns, rows)` streams tuples into the model's table. The columns are the
model's attribute names (`association_id` for a foreign key); every other concrete column gets
its field's default, computed once for the table (a unique `public_id` is drawn per row from the
writer's seeded generator, so the data set is the same every run). Ids that later rows refer to
are reserved from the table's sequence first (`reserve`), so nothing has to be read back.

The encrypted fields (common.crypto) are given in plain text and stored encrypted with the keys
in the settings, as the service stores them. Equal texts share one token: the texts come from
small pools, so a few hundred encryptions serve a million rows. A Fernet token decrypts the same
wherever it is stored; sharing one only shows that two rows hold the same text, which says
nothing in made-up data.

No model code runs (no save(), no signals, no change history): the rows are what the services
would have written, built by the filler. PostgreSQL only.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from common.crypto import EncryptedIntegerField, EncryptedTextField, encrypt


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.counts: dict[str, int] = {}
        self._tokens: dict[str, str] = {}

    # --- values ------------------------------------------------------------------------------

    def token(self, text: str) -> str:
        """`text` encrypted (empty stays empty); one encryption per distinct text."""
        if not text:
            return ""
        found = self._tokens.get(text)
        if found is None:
            found = self._tokens[text] = encrypt(text)
        return found

    def number_token(self, value: int | None) -> str:
        """A small integer (bit flags) encrypted as EncryptedIntegerField stores it."""
        return self.token(str(int(value or 0)))

    @property
    def encryptions(self) -> int:
        return len(self._tokens)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- ids ---------------------------------------------------------------------------------

    def reserve(self, model: type[models.Model], count: int) -> range:
        """`count` consecutive ids from the table's sequence, for rows written later."""
        if count <= 0:
            return range(0)
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return range(first, first + count)

    # --- rows --------------------------------------------------------------------------------

    def copy(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
    ) -> int:
        """COPY `rows` (tuples in the order of `columns`) into `model`'s table; returns how many."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {unknown}")
        convert: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(columns):
            field = fields[name]
            if isinstance(field, EncryptedIntegerField):
                convert.append((index, self.number_token))
            elif isinstance(field, EncryptedTextField):
                convert.append((index, self.token))
            elif isinstance(field, models.JSONField):
                convert.append((index, Jsonb))
        constant: list[tuple[str, Any]] = []
        drawn: list[str] = []
        for name, field in fields.items():
            if name in columns or field.primary_key:
                continue
            if isinstance(field, models.UUIDField) and field.unique:
                drawn.append(name)
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = self.now
            else:
                # Its default; without one, "" for text and NULL otherwise (as Django saves).
                value = field.get_default()
            if isinstance(field, EncryptedIntegerField):
                value = self.number_token(value)
            elif isinstance(field, EncryptedTextField):
                value = self.token(value)
            elif isinstance(field, models.JSONField):
                value = Jsonb(value)
            constant.append((name, value))
        names = [*columns, *drawn, *(name for name, _value in constant)]
        tail = tuple(value for _name, value in constant)
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(model._meta.db_table),
            ", ".join(connection.ops.quote_name(fields[name].column) for name in names),
        )
        written = 0
        uuid_ = self.uuid
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as stream:
            write = stream.write_row
            for row in rows:
                if convert:
                    row = list(row)
                    for index, function in convert:
                        row[index] = function(row[index])
                write((*row, *(uuid_() for _ in drawn), *tail))
                written += 1
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + written
        return written
