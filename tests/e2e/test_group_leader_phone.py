"""The group leader on her phone (360 × 740): from her start page to the attendance of her
group's last session, ticked and saved, and the group's page with who came."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from supervision.models import Attendance, GroupSession, SupervisionGroup
from tests.e2e.conftest import log_in, shoot
from tests.factories import PASSWORD, person, volunteer
from volunteers.models import Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_group_leader_records_attendance_on_her_phone(people, checker, words, oslo):
    leader_user = person(Role.GROUP_LEADER, place=oslo, first_name="Gro", email="gro@example.no")
    leader = volunteer(
        oslo, status=Status.APPROVED, user=leader_user, first_name="Gro", email=leader_user.email
    )
    ada = volunteer(oslo, status=Status.APPROVED, first_name="Ada", email="ada@example.no")
    group = SupervisionGroup.objects.create(association=oslo, name="Torsdagsgruppa", leader=leader)
    group.members.set([leader, ada])
    starts = timezone.now() - timedelta(days=1)
    session = GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Huset"
    )

    page = people(words.language, phone=True)
    log_in(page, checker, words, leader_user, PASSWORD)
    main = page.locator("main")
    assert main.get_by_role("heading", name=words("Your supervision groups")).is_visible()
    assert main.get_by_text("Torsdagsgruppa").is_visible()
    shoot(page, f"group-leader-start-{words.language}")
    main.locator(
        f"a[href='{reverse('group_session_attendance', args=[session.public_id])}']"
    ).click()
    page.wait_for_load_state("load")
    checker.arrived(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label(ada.full_name, exact=True).check()
    page.get_by_label(leader.full_name, exact=True).check()
    shoot(page, f"group-leader-attendance-{words.language}")
    page.get_by_role("button", name=words.exact("Save attendance")).click()
    page.wait_for_load_state("load")
    checker.arrived(page, state="saved")
    assert f"/veiledningsgrupper/{group.public_id}/" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert set(Attendance.objects.filter(session=session).values_list("volunteer", flat=True)) == {
        ada.pk,
        leader.pk,
    }
