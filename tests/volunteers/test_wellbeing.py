"""Her short wellbeing check (issue 18, item 4): she answers from her page, sees and deletes her
own answers; "I need to talk" alerts her association's coordinators at once, neutrally; only she
and her coordinators see the answers; they go when she is erased."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence, Role
from notifications.models import Notification
from tests.conftest import login
from tests.factories import person, volunteer
from tests.querycount import assert_constant_queries
from volunteers import services
from volunteers.models import Status, WellbeingCheck
from volunteers.notifications import WELLBEING_TALK

pytestmark = pytest.mark.django_db

NOTE = "ZQXWELL-sover-dårlig"


@pytest.fixture
def nora(oslo, volunteer_oslo):
    return volunteer(
        oslo,
        user=volunteer_oslo,
        status=Status.APPROVED,
        first_name="Nora",
        last_name="Zqxetternavn",
        email=volunteer_oslo.email,
    )


def answer(v, **fields) -> WellbeingCheck:
    values = {"feeling": 2, "needs_talk": False, "note": ""}
    return services.wellbeing_check_answer(volunteer=v, **{**values, **fields})


def test_she_answers_from_her_page_and_sees_her_answers_newest_first(client, nora, volunteer_oslo):
    login(client, volunteer_oslo)
    assert reverse("my_wellbeing") in client.get(reverse("my_page")).content.decode()
    old = answer(nora, feeling=5, note="Første")
    WellbeingCheck.objects.filter(pk=old.pk).update(answered_at=timezone.now() - timedelta(days=3))
    response = client.post(
        reverse("my_wellbeing"), {"feeling": "1", "needs_talk": "no", "note": "Andre"}
    )
    assert response.status_code == 302
    check = WellbeingCheck.objects.first()  # the newest
    assert check.note == "Andre"
    assert (check.volunteer, check.feeling, check.needs_talk) == (nora, 1, False)
    assert check.occasion == "any_time"
    page = client.get(reverse("my_wellbeing")).content.decode()
    assert page.index("Andre") < page.index("Første")
    assert "Tungt" in page and "Veldig bra" in page
    assert Notification.objects.count() == 0  # no need to talk: nobody is alerted


def test_bad_input_shows_messages_next_to_the_fields_and_keeps_the_note(
    client, nora, volunteer_oslo
):
    login(client, volunteer_oslo)
    response = client.post(reverse("my_wellbeing"), {"feeling": "9", "note": "Beholdt tekst"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"feeling", "needs_talk"}
    assert "Beholdt tekst" in response.content.decode()
    too_long = client.post(
        reverse("my_wellbeing"), {"feeling": "3", "needs_talk": "no", "note": "x" * 501}
    )
    assert too_long.status_code == 200 and "note" in too_long.context["form"].errors
    assert not WellbeingCheck.objects.exists()


def test_needing_to_talk_alerts_the_present_coordinators_neutrally_and_urgently(
    client,
    oslo,
    bergen,
    nora,
    volunteer_oslo,
    coordinator_oslo,
    coordinator_bergen,
    django_capture_on_commit_callbacks,
):
    away = person(Role.COORDINATOR, place=oslo, email="borte@oslo.example")
    today = timezone.localdate()
    Absence.objects.create(user=away, starts_on=today, ends_on=today + timedelta(days=3))
    login(client, volunteer_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("my_wellbeing"), {"feeling": "1", "needs_talk": "yes", "note": NOTE})
    notification = Notification.objects.get()
    assert notification.recipient == coordinator_oslo  # not the one away, not Bergen's
    assert notification.kind == WELLBEING_TALK and WELLBEING_TALK.urgent
    assert notification.link == nora.get_absolute_url()
    texts = [str(notification.text), notification.link, notification.reference]
    texts += [m.subject + m.body + m.alternatives[0][0] for m in mail.outbox]
    assert len(mail.outbox) == 1
    for text in texts:
        assert "Nora" not in text and "Zqxetternavn" not in text and "ZQXWELL" not in text


def test_only_she_and_her_associations_coordinators_see_her_answers(
    nora,
    oslo,
    bergen,
    volunteer_oslo,
    coordinator_oslo,
    coordinator_bergen,
    national_admin,
    shelter_worker_oslo,
):
    check = answer(nora, note=NOTE)
    other = volunteer(oslo, status=Status.APPROVED, user=person(Role.VOLUNTEER, place=oslo))
    answer(other)
    assert list(WellbeingCheck.objects.for_user(volunteer_oslo)) == [check]
    assert WellbeingCheck.objects.for_user(coordinator_oslo).count() == 2
    for outsider in (coordinator_bergen, national_admin, shelter_worker_oslo, other.user):
        assert check not in WellbeingCheck.objects.for_user(outsider)


def test_a_group_leader_never_sees_answers(nora, oslo, oslo_shelter):
    """Supervision groups do not exist yet; whatever role a group leader gets, for_user gives
    it nothing unless written in (only the volunteer and the coordinator are)."""
    answer(nora, note=NOTE)
    source = WellbeingCheck.objects.for_user.__doc__ or ""
    assert "group leader" in source
    for role, place in ((Role.NATIONAL_ADMIN, None), (Role.SHELTER_STAFF, oslo_shelter)):
        user = person(role, place=place)
        assert not WellbeingCheck.objects.for_user(user).exists(), role


def test_she_deletes_an_answer_after_confirming_and_no_history_keeps_it(
    client, nora, volunteer_oslo
):
    check = answer(nora, note=NOTE, needs_talk=True)
    login(client, volunteer_oslo)
    url = reverse("my_wellbeing_delete", args=[check.public_id])
    confirm = client.get(url)
    assert confirm.status_code == 200 and WellbeingCheck.objects.filter(pk=check.pk).exists()
    assert client.post(url).status_code == 302
    assert not WellbeingCheck.objects.filter(pk=check.pk).exists()
    assert not LogEntry.objects.filter(changes_text__contains="ZQXWELL").exists()
    assert not LogEntry.objects.filter(serialized_data__icontains="ZQXWELL").exists()
    assert "ZQXWELL" not in str(list(LogEntry.objects.values()))


def test_another_volunteer_cannot_delete_her_answer(client, oslo, nora):
    check = answer(nora)
    other = person(Role.VOLUNTEER, place=oslo)
    volunteer(oslo, status=Status.APPROVED, user=other, email=other.email)
    login(client, other)
    url = reverse("my_wellbeing_delete", args=[check.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert WellbeingCheck.objects.filter(pk=check.pk).exists()


def test_her_coordinator_sees_the_latest_answers_and_marks_a_talk(client, nora, coordinator_oslo):
    check = answer(nora, note=NOTE, needs_talk=True)
    login(client, coordinator_oslo)
    start = client.get("/").content.decode()
    assert 'data-testid="wellbeing-talk"' in start and nora.get_absolute_url() in start
    page = client.get(nora.get_absolute_url()).content.decode()
    assert NOTE in page and "Litt tungt" in page
    client.post(reverse("wellbeing_talked", args=[check.public_id]))
    check.refresh_from_db()
    assert check.talked_at is not None
    assert 'data-testid="wellbeing-talk"' not in client.get("/").content.decode()


def test_the_volunteer_page_asks_the_same_number_of_queries_with_more_answers(
    client, nora, coordinator_oslo
):
    login(client, coordinator_oslo)

    def grow(n: int) -> None:
        for i in range(n):
            answer(nora, note=f"Notat {i}", needs_talk=bool(i % 2))

    # 19 before the wellbeing section (the page is above the 15 of list pages), one more for
    # her latest answers and one for her hours: 21, the same with 3 and with 30 answers.
    assert assert_constant_queries(client, nora.get_absolute_url(), grow, ceiling=21) == 21


def test_her_answers_are_erased_with_her(nora, volunteer_oslo):
    answer(nora, note=NOTE)
    nora.status = Status.ENDED
    nora.save()
    services.volunteer_erase(volunteer=nora)
    assert not WellbeingCheck.objects.exists()


def test_her_answers_are_in_the_copy_of_everything_stored_about_her(nora):
    from volunteers.exports import volunteer_export

    answer(nora, note=NOTE, needs_talk=True)
    [exported] = volunteer_export(nora)["wellbeing_checks"]
    assert exported["note"] == NOTE and exported["needs_talk"] is True
