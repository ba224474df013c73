"""The last seat, taken by two people at the same moment, in two real transactions.

Only PostgreSQL shows the race (SQLite runs one writer at a time and ignores
select_for_update): CI runs this on PostgreSQL. Locally:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ressursvenner .venv/bin/pytest tests/courses/test_race.py
"""

import threading

import pytest
from django.db import connection

from courses import services
from courses.models import Enrolment, EnrolmentStatus
from tests.courses.conftest import make_session
from tests.factories import volunteer

# Real commits, so the two threads see each other's writes; the flush afterwards would remove
# the reference data from migrations, so it is restored (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two concurrent transactions on PostgreSQL")


def test_two_people_taking_the_last_seat_at_once_get_one_seat_and_one_place_in_line(oslo):
    session = make_session(oslo, capacity=2)
    services.enrol(session=session, volunteers=[volunteer(oslo, status="course")])
    anna = volunteer(oslo, status="course", first_name="Anna")
    berit = volunteer(oslo, status="course", first_name="Berit")
    barrier = threading.Barrier(2)
    results: dict[str, services.EnrolmentResult] = {}
    errors: list[BaseException] = []

    def sign_up(person) -> None:
        try:
            barrier.wait(timeout=10)
            results[person.first_name] = services.enrol(
                session=session, volunteers=[person], self_service=True
            )
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=sign_up, args=(person,)) for person in (anna, berit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == ["Anna", "Berit"]
    got_seat = [name for name, result in results.items() if result.enrolled]
    in_line = [name for name, result in results.items() if result.waiting]
    assert len(got_seat) == 1
    assert len(in_line) == 1
    assert set(got_seat + in_line) == {"Anna", "Berit"}
    statuses = {
        e.volunteer.first_name: e.status
        for e in Enrolment.objects.filter(volunteer__in=[anna, berit]).select_related("volunteer")
    }
    assert statuses == {got_seat[0]: EnrolmentStatus.ENROLLED, in_line[0]: EnrolmentStatus.WAITING}
    assert Enrolment.objects.filter(session=session).seated().count() == session.capacity


def test_two_volunteers_taking_a_gatherings_last_seat_get_one_seat_and_one_place_in_line(oslo):
    from courses.models import GatheringSignUp, SignUpStatus
    from tests.courses.test_gatherings import guest, make_gathering

    gathering = make_gathering(associations=[oslo], organiser=oslo, capacity=1)
    anna, berit = guest(oslo, first_name="Anna"), guest(oslo, first_name="Berit")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sign_up(person) -> None:
        try:
            barrier.wait(timeout=10)
            services.gathering_sign_up(gathering=gathering, volunteer=person)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(person,)) for person in (anna, berit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    statuses = sorted(GatheringSignUp.objects.values_list("status", flat=True))
    assert statuses == sorted([SignUpStatus.SIGNED_UP, SignUpStatus.WAITING])
