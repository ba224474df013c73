"""Several counts over one table in one query."""

from django.db.models import Count, Q, QuerySet


def count_each(base: QuerySet, *, also: dict | None = None, **subsets: QuerySet) -> dict:
    """How many rows of `base` are in each subset (each a queryset of the same model, e.g. a
    selector's list), in one query: `count_each(matches, running=..., ending=...)`. A card that
    counts a list through the list's own selector counts exactly its rows. `also`: further
    aggregates of `base` for the same query (e.g. {"oldest": Min("created_at", filter=...)})."""
    counts = {
        name: Count("pk", filter=Q(pk__in=subset.values("pk"))) for name, subset in subsets.items()
    }
    return base.aggregate(**counts, **(also or {}))
