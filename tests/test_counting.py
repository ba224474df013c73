"""count_each: every list's count (and earliest value) in one query, each exactly as its own
queryset counts it, over several tables at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Association, Role, User
from common.counting import Earliest, count_each
from tests.factories import AssociationFactory, person, volunteer

pytestmark = pytest.mark.django_db


def test_counts_and_earliest_values_of_lists_over_several_tables_in_one_query():
    here, there = AssociationFactory(), AssociationFactory()
    now = timezone.now()
    for days, status in [(3, "applied"), (9, "applied"), (1, "approved")]:
        volunteer(here, status=status, applied_at=now - timedelta(days=days))
    volunteer(there, status="applied", applied_at=now - timedelta(days=30))
    person(Role.NATIONAL_ADMIN)
    from volunteers.models import Volunteer

    applied_here = Volunteer.objects.filter(association=here, status="applied")
    with CaptureQueriesContext(connection) as queries:
        counts = count_each(
            applied_here=applied_here,
            oldest_here=Earliest(applied_here, "applied_at"),
            approved=Volunteer.objects.filter(status="approved"),
            associations=Association.objects.all(),
            admins=User.objects.filter(memberships__role=Role.NATIONAL_ADMIN),
        )
    assert len(queries) == 1
    assert counts == {
        "applied_here": 2,
        "oldest_here": applied_here.order_by("applied_at").first().applied_at,
        "approved": 1,
        "associations": Association.objects.count(),
        "admins": 1,
    }
    assert counts["oldest_here"] == now - timedelta(days=9)


def test_a_list_with_no_rows_counts_zero_and_has_no_earliest_value():
    from volunteers.models import Volunteer

    nobody = Volunteer.objects.filter(status="approved")
    impossible = Volunteer.objects.filter(pk__in=[])  # the ORM refuses to write SQL for it
    counts = count_each(
        nobody=nobody,
        first=Earliest(nobody, "applied_at"),
        impossible=impossible,
        impossible_first=Earliest(impossible, "applied_at"),
    )
    assert counts == {"nobody": 0, "first": None, "impossible": 0, "impossible_first": None}
    assert count_each(only_impossible=Volunteer.objects.none()) == {"only_impossible": 0}


def test_a_list_is_counted_by_its_rows_as_the_list_shows_them():
    """A join that repeats a row repeats it in the count too, as the list's own count does."""
    association = AssociationFactory()
    for _ in range(2):
        person(Role.COORDINATOR, place=association)
    users = User.objects.filter(memberships__association=association)
    assert count_each(users=users) == {"users": users.count()}
