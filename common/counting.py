"""Many counts, over one or several tables, in one query."""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Earliest:
    """The smallest value of `field` among the rows of `rows` (None when there are none)."""

    rows: QuerySet
    field: str


def count_each(**lists: QuerySet | Earliest) -> dict:
    """How many rows each list has (each a queryset, e.g. a selector's list), or the earliest
    value of a field in it (`Earliest`), all in one query:
    `count_each(running=matches_running(user), oldest=Earliest(waiting, "created_at"))`.

    Each list is counted as its own SQL, as `SELECT COUNT(*) FROM (<the list>)`, with its own
    conditions and joins, so a card that counts a list through the list's selector counts
    exactly the rows the list shows; the lists may come from different tables."""
    values: dict = {}
    asked: list[str] = []
    parts: list[str] = []
    params: list = []
    using = "default"
    for name, rows in lists.items():
        if isinstance(rows, Earliest):
            queryset, outer = rows.rows.order_by().values(rows.field), f"MIN(t.{_column(rows)})"
        else:
            queryset, outer = rows.order_by().values("pk"), "COUNT(*)"
        try:
            sql, list_params = queryset.query.sql_with_params()
        except EmptyResultSet:  # a list that cannot hold a row (`.none()`, `pk__in=[]`)
            values[name] = None if isinstance(rows, Earliest) else 0
            continue
        using = queryset.db
        asked.append(name)
        # The SQL is the ORM's own, its values passed as parameters.
        parts.append(f"(SELECT {outer} FROM ({sql}) t)")  # noqa: S608
        params.extend(list_params)
    if not parts:
        return values
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        values.update(zip(asked, cursor.fetchone(), strict=True))
    for name, rows in lists.items():
        if isinstance(rows, Earliest) and values[name] is not None:
            field = rows.rows.model._meta.get_field(rows.field)
            values[name] = _from_db(field, values[name], connection)
    return {name: values[name] for name in lists}


def _column(earliest: Earliest) -> str:
    """The selected column's name as the subquery names it (its field's column)."""
    column = earliest.rows.model._meta.get_field(earliest.field).column
    return connections[earliest.rows.db].ops.quote_name(column)


def _from_db(field, value, connection):
    """A raw value as the ORM would give it (on SQLite a datetime is text until converted)."""
    column = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
        connection
    ):
        value = converter(value, column, connection)
    return value
