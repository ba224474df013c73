"""What volunteers learns about matches without importing matching.

matching is a higher floor: it imports volunteers, never the other way round (docs/architecture.md;
tests/test_architecture.py enforces it). Yet some rules of volunteers depend on matches: she may
not leave, nor be erased, while a woman is matched with her; the retention job waits for her
matches to close; her page lists her matches. matching answers these questions: its
AppConfig.ready() registers a MatchSource here (matching/apps.py). With no source registered
(a project without matching) she has no match.

The rules stay here in volunteers (services.py, retention.py); the source only gives the facts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class OpenMatch:
    """One open match of hers (proposed, first meeting planned, active or paused), as far as
    volunteers needs to know it: whose woman it is with."""

    association_id: int
    association_name: str


@dataclass(frozen=True)
class MatchSource:
    # open_matches(volunteer): her open matches.
    open_matches: Callable[..., Iterable[OpenMatch]]
    # volunteers_with_open_matches(): the ids of every volunteer with an open match, as a
    # queryset of values that can be used as a subquery (pk__in=...).
    volunteers_with_open_matches: Callable[[], QuerySet]
    # matches_shown(user, volunteer): her matches as `user` (her coordinator) may see them, in the
    # order her page lists them; the page's template reads them.
    matches_shown: Callable[..., Iterable]


_sources: list[MatchSource] = []


def register(source: MatchSource) -> None:
    """Called from an AppConfig.ready(); registering the same source twice changes nothing."""
    if source not in _sources:
        _sources.append(source)


def open_matches(volunteer) -> list[OpenMatch]:
    return [match for source in _sources for match in source.open_matches(volunteer)]


def without_open_matches(volunteers: QuerySet) -> QuerySet:
    """`volunteers` less those who have an open match."""
    for source in _sources:
        volunteers = volunteers.exclude(pk__in=source.volunteers_with_open_matches())
    return volunteers


def with_open_matches(volunteers: QuerySet) -> QuerySet:
    """`volunteers` who have an open match (none when no source is registered)."""
    if not _sources:
        return volunteers.none()
    with_match = Q()
    for source in _sources:
        with_match |= Q(pk__in=source.volunteers_with_open_matches())
    return volunteers.filter(with_match)


def matches_shown(user, volunteer) -> list:
    return [match for source in _sources for match in source.matches_shown(user, volunteer)]


# --- Her hours -----------------------------------------------------------------------------------
# Her hours per year (volunteers.selectors.volunteer_hours) count the time she gave in what other
# apps record: matching registers her meetings. volunteers counts her course sessions itself.


@dataclass(frozen=True)
class HoursSource:
    # A short name for the kind of time ("meetings"), and its label for her pages and certificate.
    name: str
    label: Any
    # minutes(volunteer, start, end): a queryset of one row and one integer column, the minutes
    # she gave from `start` up to (not including) `end` (dates), for use as a Subquery;
    # `volunteer` is an OuterRef to her id.
    minutes: Callable[..., QuerySet]
    # True when that column is a duration (a sum of ends minus starts), not whole minutes.
    duration: bool = False


_hours_sources: list[HoursSource] = []


def register_hours(source: HoursSource) -> None:
    """Called from an AppConfig.ready(); registering the same source twice changes nothing."""
    if source not in _hours_sources:
        _hours_sources.append(source)


def hours_sources() -> list[HoursSource]:
    return list(_hours_sources)
