"""Two coordinators propose the last free place of one volunteer at the same moment: exactly one
succeeds. Needs PostgreSQL (real row locks and two connections); CI runs it there."""

import threading

import pytest
from django.db import connection

from matching import services
from matching.models import Match, ReferralStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_the_last_free_place_goes_to_exactly_one_of_two_simultaneous_proposals(
    oslo, coordinator_oslo, make_volunteer, make_referral, django_db_serialized_rollback
):
    nora = make_volunteer(oslo, capacity=1)
    first = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    second = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def propose(referral):
        try:
            barrier.wait()
            services.match_propose(referral=referral, volunteer=nora, by=coordinator_oslo)
            outcomes.append("ok")
        except services.MatchingError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=propose, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Match.objects.filter(volunteer=nora).count() == 1
