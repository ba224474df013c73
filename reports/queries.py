"""Several aggregate queries sent as one statement.

The statistics need a dozen aggregate queries over different tables (volunteers, sessions,
referrals, matches, meetings, concerns, ...), each grouped by association. Sent one by one,
every figure added would cost the page another query. Here each is written as the ordinary
grouped queryset it is (a `Part`), compiled by Django, and the parts are sent together as one
`UNION ALL`: every branch is exactly the query it would be alone, its columns padded to a
common width, and the database plans each branch on its own. Only the numbers come back.

Works the same on PostgreSQL and SQLite (`SELECT … FROM (branch) AS p UNION ALL …`, and
padding with `CAST(NULL AS …)`, which both accept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, IntegerField, QuerySet, Value

from reports.expressions import Percentile


@dataclass
class Part:
    """One grouped aggregate query: the rows of `queryset`, grouped by `group` (a path to an
    association's id; None: one row for all of them together) and, when given, by `label` too
    (a path to a text, such as a shelter's name), with `aggregates` by name."""

    queryset: QuerySet
    aggregates: dict[str, Any]
    group: str | None = None
    label: str | None = None

    def compiled(self) -> tuple[str, tuple]:
        keys: dict[str, Any] = {
            "group": F(self.group) if self.group else Value(None, IntegerField())
        }
        if self.label:
            keys["label"] = F(self.label)
        grouped = (
            self.queryset.annotate(**keys).values(*keys).annotate(**self.aggregates).order_by()
        )
        sql, params = grouped.query.get_compiler(grouped.db).as_sql()
        return sql, tuple(params)

    def value(self, name: str, raw):
        """A number as Python has it: a percentile a float (None when there was nothing to
        measure), anything else a whole count."""
        if raw is None:
            return None
        if isinstance(self.aggregates[name], Percentile):
            return float(raw)
        return int(raw)


def run(parts: Sequence[Part]) -> list[list[dict]]:
    """The rows of every part, in one query: for each part a list of dicts with "group",
    "label" (None unless the part has one) and its aggregates by name."""
    results: list[list[dict]] = [[] for _ in parts]
    if not parts:
        return results
    db = parts[0].queryset.db
    quote = connections[db].ops.quote_name
    width = max(len(part.aggregates) for part in parts)
    branches: list[str] = []
    params: list = []
    for index, part in enumerate(parts):
        try:
            sql, part_params = part.compiled()
        except EmptyResultSet:  # a filter on no association at all: no rows
            continue
        alias = f"p{index}"
        columns = [
            str(index),
            f"{alias}.{quote('group')}" if part.group else "CAST(NULL AS BIGINT)",
            f"{alias}.{quote('label')}" if part.label else "CAST(NULL AS TEXT)",
            *(f"{alias}.{quote(name)}" for name in part.aggregates),
            *["CAST(NULL AS DOUBLE PRECISION)"] * (width - len(part.aggregates)),
        ]
        # Django's compiled SQL, its parameters passed apart; names from code.
        branches.append(f"SELECT {', '.join(columns)} FROM ({sql}) AS {alias}")  # noqa: S608
        params.extend(part_params)
    if not branches:
        return results
    with connections[db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        fetched = cursor.fetchall()
    for index, group, label, *values in fetched:
        part = parts[index]
        row = {
            name: part.value(name, raw) for name, raw in zip(part.aggregates, values, strict=False)
        }
        row["group"] = None if group is None else int(group)
        row["label"] = label
        results[index].append(row)
    return results
