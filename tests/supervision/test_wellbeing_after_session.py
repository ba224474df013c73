"""The invitation to the wellbeing check after a supervision session (issue 18): each volunteer
recorded as present is invited once per session, in the app, with a neutral text; her start
page shows it until she answers or for 7 days; her answer is stored with the occasion "after
supervision", and the group leader never sees it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification, OutboxMessage
from supervision.notifications import WELLBEING_AFTER_SUPERVISION
from supervision.services import attendance_record, wellbeing_invitation_link
from tests.conftest import login
from tests.factories import person, volunteer
from tests.supervision.test_group_leader import as_leader, group, held, leader, leader_user  # noqa: F401
from volunteers.models import WellbeingCheck, WellbeingOccasion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def ada_user(oslo):
    return person(Role.VOLUNTEER, place=oslo, first_name="Ada", email="ada@example.no")


@pytest.fixture
def ada(oslo, ada_user):
    return volunteer(oslo, status="approved", user=ada_user, first_name="Ada", email=ada_user.email)


@pytest.fixture
def session(group, ada):
    group.members.add(ada)
    return held(group)


def invitations(user):
    return Notification.objects.filter(recipient=user, kind=WELLBEING_AFTER_SUPERVISION)


def test_each_one_present_is_invited_once_per_session(session, ada, leader, ada_user):
    outbox_before = OutboxMessage.objects.count()
    attendance_record(session=session, attended=[ada])
    attendance_record(session=session, attended=[ada, leader])  # saved again, one more
    attendance_record(session=session, attended=[ada, leader])
    invited = invitations(ada_user).get()
    assert invited.link == wellbeing_invitation_link(session)
    assert str(session.public_id) in invited.link
    assert invitations(leader.user).count() == 1
    # In the app only, and with a neutral text: nobody's name.
    assert OutboxMessage.objects.count() == outbox_before
    text = str(WELLBEING_AFTER_SUPERVISION.text)
    assert "Ada" not in text and "Gro" not in text
    # A later session invites her again.
    later = held(session.group, days_ago=1)
    attendance_record(session=later, attended=[ada])
    assert invitations(ada_user).count() == 2


def test_someone_absent_is_not_invited(session, ada, leader, ada_user):
    attendance_record(session=session, attended=[leader])
    assert not invitations(ada_user).exists()


def test_her_answer_is_stored_with_the_occasion_and_the_invitation_goes(
    client, session, ada, ada_user
):
    attendance_record(session=session, attended=[ada])
    login(client, ada_user)
    start = client.get(reverse("my_page")).content.decode()
    link = wellbeing_invitation_link(session)
    assert 'id="wellbeing-invitation"' in start
    assert link in start
    response = client.post(link, {"feeling": 4, "needs_talk": "no", "note": ""})
    assert response.status_code == 302
    answer = WellbeingCheck.objects.get(volunteer=ada)
    assert answer.occasion == WellbeingOccasion.AFTER_SUPERVISION
    assert 'id="wellbeing-invitation"' not in client.get(reverse("my_page")).content.decode()
    # From her page without the link: any time.
    client.post(reverse("my_wellbeing"), {"feeling": 3, "needs_talk": "no", "note": ""})
    assert WellbeingCheck.objects.filter(occasion=WellbeingOccasion.ANY_TIME).count() == 1


def test_a_link_with_no_session_id_is_any_time(client, ada, ada_user):
    login(client, ada_user)
    response = client.post(
        f"{reverse('my_wellbeing')}?veiledning=tull", {"feeling": 3, "needs_talk": "no"}
    )
    assert response.status_code == 302
    assert WellbeingCheck.objects.get(volunteer=ada).occasion == WellbeingOccasion.ANY_TIME


def test_the_invitation_shows_for_seven_days(client, session, ada, ada_user):
    attendance_record(session=session, attended=[ada])
    invitations(ada_user).update(created_at=timezone.now() - timedelta(days=6))
    login(client, ada_user)
    assert 'id="wellbeing-invitation"' in client.get(reverse("my_page")).content.decode()
    invitations(ada_user).update(created_at=timezone.now() - timedelta(days=8))
    assert 'id="wellbeing-invitation"' not in client.get(reverse("my_page")).content.decode()


def test_the_group_leader_never_sees_the_answer(client, session, ada, leader_user):
    attendance_record(session=session, attended=[ada])
    answer = WellbeingCheck.objects.create(
        volunteer=ada,
        feeling=1,
        needs_talk=True,
        note="Tungt etter møtet",
        occasion=WellbeingOccasion.AFTER_SUPERVISION,
    )
    as_leader(client, leader_user)
    assert client.get(reverse("my_wellbeing_delete", args=[answer.public_id])).status_code == 404
    assert client.get(reverse("volunteer_detail", args=[ada.public_id])).status_code == 404
    group_page = client.get(reverse("group_detail", args=[session.group.public_id]))
    assert group_page.status_code == 200
    assert "Tungt" not in group_page.content.decode()
    assert not WellbeingCheck.objects.for_user(group_page.wsgi_request.user).exists()
