"""Database expressions the figures need and Django lacks: a percentile aggregate, and whole
days or hours between two moments, the same on PostgreSQL and SQLite.

PostgreSQL computes percentiles with percentile_cont(f) WITHIN GROUP (ORDER BY x). SQLite has
no such function, so the app registers one (rv_percentile, below) on every SQLite connection:
an aggregate that runs inside the database's own aggregation, like SUM, and interpolates
exactly as percentile_cont does, so both databases give the same answers.
"""

import math

from django.db import NotSupportedError
from django.db.models import Aggregate, FloatField, Func, IntegerField


class Percentile(Aggregate):
    """The continuous percentile `fraction` (0.5: the median) of `expression`, NULLs left out;
    NULL when there is no value. Works with filter= and in grouped queries."""

    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("The fraction must lie between 0 and 1.")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"Percentile is not implemented for {connection.vendor}.")

    def _as_vendor_sql(self, compiler, connection, function: str, template: str, **extra):
        clone = self.copy()
        clone.function = function
        clone.template = template
        return super(Percentile, clone).as_sql(compiler, connection, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._as_vendor_sql(
            compiler,
            connection,
            "PERCENTILE_CONT",
            f"%(function)s({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self._as_vendor_sql(
            compiler,
            connection,
            "RV_PERCENTILE",
            f"%(function)s(%(expressions)s, {self.fraction!r})",
            **extra_context,
        )


class SqlitePercentile:
    """The rv_percentile(value, fraction) aggregate for SQLite: percentile_cont's linear
    interpolation between the two nearest ranks."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(float(value))
            self.fraction = float(fraction)

    def finalize(self):
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = self.fraction * (len(ordered) - 1)
        lower, upper = math.floor(position), math.ceil(position)
        return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created handler: add rv_percentile to each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("RV_PERCENTILE", 2, SqlitePercentile)


class DaysBetween(Func):
    """Whole days from the date `earlier` to the date `later` (both date expressions: a
    DateField, or TruncDate of a moment in Europe/Oslo)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"DaysBetween is not implemented for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier = self.source_expressions
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        return f"(({later_sql})::date - ({earlier_sql})::date)", (*later_params, *earlier_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        later, earlier = self.source_expressions
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        return (
            f"CAST(ROUND(julianday({later_sql}) - julianday({earlier_sql})) AS INTEGER)",
            (*later_params, *earlier_params),
        )


class HoursBetween(Func):
    """Hours (with fractions) from the moment `earlier` to the moment `later`."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"HoursBetween is not implemented for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier = self.source_expressions
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        return (
            f"(EXTRACT(EPOCH FROM ({later_sql}) - ({earlier_sql})) / 3600.0)::double precision",
            (*later_params, *earlier_params),
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        later, earlier = self.source_expressions
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        return (
            f"((julianday({later_sql}) - julianday({earlier_sql})) * 24.0)",
            (*later_params, *earlier_params),
        )
