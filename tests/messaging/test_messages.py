"""Messages to many: a coordinator's to her volunteers (filters, outing words, preview, send),
a national admin's to coordinators, each person once, in her language."""

import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from courses.models import Course, Enrolment, EnrolmentStatus, Session
from messaging import selectors, services
from messaging.models import Message, MessageRecipient
from messaging.notifications import FROM_COORDINATOR, FROM_NATIONAL
from notifications.models import Notification, OutboxMessage
from supervision.models import SupervisionGroup
from tests.conftest import login
from tests.factories import person, volunteer
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

TEXT = {"subject": "Sommerfest", "body": "Velkommen til sommerfest på lørdag!"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def coordinator(client, coordinator_oslo):
    login(client, coordinator_oslo)
    return coordinator_oslo


def with_login(association, *, language="nb", **fields):
    user = person(Role.VOLUNTEER, place=association, language=language)
    return volunteer(association, user=user, email=user.email, **fields)


def names(recipients) -> list[str]:
    return sorted(r.name for r in recipients)


def pick(user, association, **filters) -> list[str]:
    filters.setdefault("statuses", ["approved", "paused"])
    found = selectors.volunteers_for(user, association_id=association.pk, **filters)
    return names(selectors.volunteer_recipients(found))


def test_the_status_filter_defaults_to_the_active_and_never_picks_the_erased_or_the_left(
    oslo, coordinator_oslo
):
    with_login(oslo, status="approved", first_name="Ada")
    with_login(oslo, status="paused", first_name="Bea")
    with_login(oslo, status="applied", first_name="Cia")
    with_login(oslo, status="ended", first_name="Dina")
    with_login(oslo, status="rejected", first_name="Fia")
    erased = with_login(oslo, status="approved", first_name="Eli")
    erased.erased_at = timezone.now()
    erased.save()
    assert pick(coordinator_oslo, oslo) == ["Ada Hansen", "Bea Hansen"]
    # Those who have left are never picked, even asked for by name.
    assert pick(coordinator_oslo, oslo, statuses=["applied", "ended", "rejected"]) == ["Cia Hansen"]


def test_the_course_group_and_language_filters(oslo, coordinator_oslo):
    ada = with_login(oslo, status="approved", first_name="Ada", languages=("no", "ar"))
    bea = with_login(oslo, status="approved", first_name="Bea")
    course = Course.objects.create(title="Grunnkurs")
    ends = timezone.now() - timedelta(days=2)
    session = Session.objects.create(
        course=course,
        association=oslo,
        starts_at=ends - timedelta(hours=3),
        ends_at=ends,
        place="Et sted",
        capacity=10,
        created_by=coordinator_oslo,
    )
    Enrolment.objects.create(session=session, volunteer=ada, status=EnrolmentStatus.ATTENDED)
    Enrolment.objects.create(session=session, volunteer=bea, status=EnrolmentStatus.ENROLLED)
    group = SupervisionGroup.objects.create(association=oslo, name="Gruppe 1")
    group.members.set([bea])

    assert pick(coordinator_oslo, oslo, course=course) == ["Ada Hansen"]
    assert pick(coordinator_oslo, oslo, group=group) == ["Bea Hansen"]
    assert pick(coordinator_oslo, oslo, language="ar") == ["Ada Hansen"]
    assert pick(coordinator_oslo, oslo, language="so") == []


def test_one_person_with_two_records_is_one_recipient_and_one_without_a_login_gets_email(
    oslo, coordinator_oslo
):
    ada = with_login(oslo, status="approved", first_name="Ada")
    volunteer(oslo, status="paused", first_name="Ada", user=ada.user, email=ada.email)
    volunteer(oslo, status="approved", first_name="Uten", email="uten@example.no")
    recipients = selectors.volunteer_recipients(
        selectors.volunteers_for(
            coordinator_oslo, association_id=oslo.pk, statuses=["approved", "paused"]
        )
    )
    assert names(recipients) == ["Ada Hansen", "Uten Hansen"]
    assert [r.user for r in recipients if r.name == "Uten Hansen"] == [None]


FILTER = {"statuses": ["approved", "paused"]}


def _post(client, **data):
    return client.post(reverse("message_create"), {**FILTER, **TEXT, **data})


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def _previewed(client, data: dict) -> dict:
    """What the preview's form holds: her data and its one-time token and fingerprint."""
    html = client.post(reverse("message_create"), {**data, "preview": "1"}).content.decode()
    return {**data, "send_token": _hidden(html, "send_token"), "digest": _hidden(html, "digest")}


def _send(client, *, confirm="yes", **data):
    """Preview, then send what the preview showed (as a person does)."""
    previewed = _previewed(client, {**FILTER, **TEXT, **data})
    return client.post(reverse("message_create"), {**previewed, "send": "1", "confirm": confirm})


def test_preview_shows_the_message_the_count_and_the_names(client, coordinator, oslo, bergen):
    for name in ("Ada", "Bea", "Cia"):
        with_login(oslo, status="approved", first_name=name)
    with_login(bergen, status="approved", first_name="Bergenser")
    response = _post(client, preview="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "To be sent to 3 volunteers" in html
    assert "Velkommen til sommerfest" in html
    assert "Cia Hansen" in html and "Bergenser" not in html
    assert not Message.objects.exists()


def test_preview_in_norwegian_says_how_many(client, coordinator, oslo):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    with_login(oslo, status="approved", first_name="Ada")
    with_login(oslo, status="approved", first_name="Bea")
    html = _post(client, preview="1").content.decode()
    assert "Sendes til 2 frivillige" in html
    assert "Mottakere" in html


def test_an_outing_word_is_refused_with_the_word_shown_and_nothing_saved(
    client, coordinator, oslo, django_capture_on_commit_callbacks
):
    with_login(oslo, status="approved")
    word = settings.SENSITIVE_WORDS[1]  # krisesenter
    body = f"Vi møtes utenfor {word.capitalize()}et klokka 18."
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body=body, send="1", confirm="yes")
    html = response.content.decode()
    assert response.status_code == 400
    assert f"«{word}»" in html
    assert body in html  # what she typed is kept
    assert not Message.objects.exists()
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()


def test_the_service_refuses_an_outing_word_too(oslo, coordinator_oslo):
    with pytest.raises(services.MessageError, match="vold"):
        services.message_create(
            author=coordinator_oslo,
            association_id=oslo.pk,
            subject="Om VOLD",
            body="x",
            criteria={},
            recipients=[],
        )
    assert not Message.objects.exists()


def test_sending_needs_the_box_ticked(client, coordinator, oslo):
    with_login(oslo, status="approved")
    response = _send(client, confirm="")
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert not Message.objects.exists()


def test_send_reaches_her_volunteers_once_each_and_never_another_associations(
    client, coordinator, oslo, bergen, django_capture_on_commit_callbacks
):
    ada = with_login(oslo, status="approved", first_name="Ada")
    bea = with_login(oslo, status="paused", first_name="Bea")
    uten = volunteer(oslo, status="approved", first_name="Uten", email="uten@example.no")
    bergenser = with_login(bergen, status="approved", first_name="Bergenser")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _send(client)
    assert response.status_code == 302
    # The fan-out's own emails are queued in the task, after the send's commit.
    while callbacks:
        pending, callbacks[:] = list(callbacks), []
        with django_capture_on_commit_callbacks(execute=True) as more:
            for callback in pending:
                callback()
        callbacks.extend(more)
    message = Message.objects.get()
    assert message.sent_at is not None and message.association == oslo
    assert message.criteria["statuses"] == ["approved", "paused"]
    told = Notification.objects.filter(kind=FROM_COORDINATOR)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([ada.user_id, bea.user_id])
    assert set(told.values_list("role", "association_id")) == {(Role.VOLUNTEER, oslo.pk)}
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([ada.email, bea.email, uten.email])
    assert bergenser.email not in to
    assert "Velkommen til sommerfest" in mail.outbox[0].body
    # One without a login has nothing to log in to: no link to it.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Logg inn" not in by_address[uten.email].body
    assert "http" not in by_address[uten.email].body
    assert "Logg inn i Ressursvenner: http" in by_address[ada.email].body
    assert oslo.name in mail.outbox[0].body
    assert mail.outbox[0].subject == "Ressursvenner: Sommerfest"
    # The list counts them; her page of messages shows it.
    listing = client.get(reverse("message_list")).content.decode()
    assert "Sommerfest" in listing
    client.logout()
    login(client, ada.user)
    mine = client.get(reverse("my_messages")).content.decode()
    assert "Velkommen til sommerfest" in mine


def _message(association, author, recipients, **texts) -> Message:
    return services.message_create(
        author=author,
        association_id=association.pk if association else None,
        criteria={},
        recipients=recipients,
        **{**TEXT, **texts},
    )


def test_the_task_run_twice_sends_nobody_anything_twice(oslo, coordinator_oslo):
    people = [with_login(oslo, status="approved", first_name=n) for n in ("Ada", "Bea")]
    recipients = selectors.volunteer_recipients(people)
    message = _message(oslo, coordinator_oslo, recipients)
    assert services.message_deliver(message_id=message.pk) == 2
    assert services.message_deliver(message_id=message.pk) == 0
    assert Notification.objects.filter(kind=FROM_COORDINATOR).count() == 2
    assert OutboxMessage.objects.filter(template=services.EMAIL_TEMPLATE).count() == 2
    # And a recipient cannot be written twice for one message.
    MessageRecipient.objects.bulk_create(
        [MessageRecipient(message=message, user=people[0].user)], ignore_conflicts=True
    )
    assert message.recipients.count() == 2


def test_each_gets_her_language_where_both_were_written(oslo, coordinator_oslo):
    nora = with_login(oslo, status="approved", first_name="Nora", language="nb")
    emma = with_login(oslo, status="approved", first_name="Emma", language="en")
    recipients = selectors.volunteer_recipients([nora, emma])
    both = _message(
        oslo, coordinator_oslo, recipients, subject_en="Summer party", body_en="Welcome!"
    )
    services.message_deliver(message_id=both.pk)
    by_address = {m.to: m for m in OutboxMessage.objects.filter(template=services.EMAIL_TEMPLATE)}
    assert by_address[nora.email].context["subject"] == "Sommerfest"
    assert by_address[emma.email].context["subject"] == "Summer party"
    assert by_address[emma.email].language == "en"
    OutboxMessage.objects.all().delete()
    only_norwegian = _message(oslo, coordinator_oslo, recipients)
    services.message_deliver(message_id=only_norwegian.pk)
    subjects = {m.context["subject"] for m in OutboxMessage.objects.all()}
    assert subjects == {"Sommerfest"}


def test_english_without_both_subject_and_text_is_refused(client, coordinator, oslo):
    with_login(oslo, status="approved")
    response = _post(client, preview="1", subject_en="Summer party")
    assert response.status_code == 400
    assert "Write both the subject and the message in English" in response.content.decode()


def test_a_national_admin_messages_the_coordinators_she_chooses(
    client, national_admin, oslo, bergen, coordinator_oslo, coordinator_bergen
):
    login(client, national_admin)
    response = client.post(
        reverse("message_create"), {"associations": [oslo.pk], **TEXT, "preview": "1"}
    )
    html = response.content.decode()
    assert "To be sent to 1 coordinator" in html
    assert "Hanne" in html and "Silje" not in html
    previewed = _previewed(client, {"associations": [oslo.pk, bergen.pk], **TEXT})
    response = client.post(reverse("message_create"), {**previewed, "send": "1", "confirm": "yes"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.association is None
    services.message_deliver(message_id=message.pk)
    told = Notification.objects.filter(kind=FROM_NATIONAL)
    assert set(told.values_list("recipient_id", "role", "association_id")) == {
        (coordinator_oslo.pk, Role.COORDINATOR, oslo.pk),
        (coordinator_bergen.pk, Role.COORDINATOR, bergen.pk),
    }
    assert client.get(reverse("message_list")).status_code == 200
    client.logout()
    login(client, coordinator_bergen)
    assert "Velkommen til sommerfest" in client.get(reverse("my_messages")).content.decode()


def test_a_coordinator_sees_only_her_associations_messages(
    client, coordinator, oslo, bergen, coordinator_bergen
):
    _message(
        bergen,
        coordinator_bergen,
        selectors.volunteer_recipients([with_login(bergen, status="approved")]),
        subject="Bergensnytt",
    )
    assert "Bergensnytt" not in client.get(reverse("message_list")).content.decode()


def test_a_volunteer_may_not_write_to_many(client, oslo):
    ada = with_login(oslo, status="approved")
    login(client, ada.user)
    assert client.get(reverse("message_create")).status_code == 403
    assert client.get(reverse("message_list")).status_code == 403


def test_the_list_page_takes_the_same_queries_for_3_and_30(client, coordinator, oslo):
    recipients = selectors.volunteer_recipients([with_login(oslo, status="approved")])

    def grow(n):
        for _ in range(n):
            _message(oslo, coordinator, recipients)

    assert assert_constant_queries(client, reverse("message_list"), grow) == 4


def test_the_demo_has_one_sent_message(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    message = Message.objects.get()
    assert message.sent_at is not None
    assert message.recipients.count() > 0
    assert not message.recipients.filter(delivered_at__isnull=True).exists()
    assert outing_free(message)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Message.objects.count() == 1


def outing_free(message: Message) -> bool:
    text = " ".join([message.subject, message.body, message.subject_en, message.body_en])
    return not services.outing_words(text)


def test_a_login_closed_before_the_task_runs_gets_nothing(oslo, coordinator_oslo):
    ada = with_login(oslo, status="approved", first_name="Ada")
    bea = with_login(oslo, status="approved", first_name="Bea")
    message = _message(oslo, coordinator_oslo, selectors.volunteer_recipients([ada, bea]))
    bea.user.is_active = False
    bea.user.save()
    services.message_deliver(message_id=message.pk)
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [ada.email]
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [ada.user_id]


# --- Sent once, what was previewed, to those still in, text checked, kept a year -----------------


def test_a_double_click_or_a_retried_send_sends_once(
    client, coordinator, oslo, django_capture_on_commit_callbacks
):
    with_login(oslo, status="approved")
    previewed = _previewed(client, {**FILTER, **TEXT})
    send = {**previewed, "send": "1", "confirm": "yes"}
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(reverse("message_create"), send)
        again = client.post(reverse("message_create"), send, follow=True)
    assert first.status_code == 302
    assert again.redirect_chain == [(reverse("message_list"), 302)]
    assert "The message has already been sent." in again.content.decode()
    assert Message.objects.count() == 1
    assert str(Message.objects.get().send_token) == previewed["send_token"]


def test_the_service_sends_once_per_token(oslo, coordinator_oslo):
    recipients = selectors.volunteer_recipients([with_login(oslo, status="approved")])
    token = uuid.uuid4()
    _message(oslo, coordinator_oslo, recipients, send_token=token)
    with pytest.raises(services.MessageAlreadySent):
        _message(oslo, coordinator_oslo, recipients, send_token=token)
    assert Message.objects.count() == 1
    assert MessageRecipient.objects.count() == 1


def test_two_sends_at_once_with_one_token_make_one_message(oslo, coordinator_oslo, monkeypatch):
    from django.db.models import QuerySet

    recipients = selectors.volunteer_recipients([with_login(oslo, status="approved")])
    token = uuid.uuid4()
    _message(oslo, coordinator_oslo, recipients, send_token=token)
    # The other send asked before this one's row was written: only the unique key stops it.
    real_exists, answers = QuerySet.exists, [False]
    monkeypatch.setattr(
        QuerySet, "exists", lambda self: answers.pop() if answers else real_exists(self)
    )
    with pytest.raises(services.MessageAlreadySent):
        _message(oslo, coordinator_oslo, recipients, send_token=token)
    assert not answers
    assert Message.objects.count() == 1
    assert MessageRecipient.objects.count() == 1


def test_each_preview_has_its_own_token(client, coordinator, oslo):
    with_login(oslo, status="approved")
    first = _previewed(client, {**FILTER, **TEXT})
    second = _previewed(client, {**FILTER, **TEXT})
    assert first["send_token"] != second["send_token"]
    assert first["digest"] == second["digest"]


@pytest.mark.parametrize(
    "change",
    [
        {"statuses": ["approved", "paused", "applied"]},  # a filter changed after the preview
        {"body": "Noe helt annet."},  # the text changed
        {"digest": ""},  # no preview at all
        {"send_token": "not a token"},
    ],
)
def test_sending_what_the_preview_did_not_show_sends_nothing_and_shows_it_again(
    client, coordinator, oslo, change
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    with_login(oslo, status="approved", first_name="Ada")
    with_login(oslo, status="applied", first_name="Søker")
    previewed = _previewed(client, {**FILTER, **TEXT})
    response = client.post(
        reverse("message_create"), {**previewed, **change, "send": "1", "confirm": "yes"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Mottakerne eller teksten er endret siden forhåndsvisningen" in html
    assert not Message.objects.exists()
    if "statuses" in change:
        assert "Søker Hansen" in html  # the new list is shown to be looked over


def test_someone_new_matching_after_the_preview_is_not_sent_to_unseen(client, coordinator, oslo):
    with_login(oslo, status="approved", first_name="Ada")
    previewed = _previewed(client, {**FILTER, **TEXT})
    with_login(oslo, status="approved", first_name="Ny")
    response = client.post(reverse("message_create"), {**previewed, "send": "1", "confirm": "yes"})
    assert response.status_code == 400
    assert "Ny Hansen" in response.content.decode()
    assert not Message.objects.exists()


def test_those_who_have_left_are_not_offered_and_refused(client, coordinator, oslo):
    page = client.get(reverse("message_create")).content.decode()
    assert 'value="approved"' in page
    assert 'value="ended"' not in page and 'value="rejected"' not in page
    with_login(oslo, status="ended", first_name="Dina")
    response = _post(client, statuses=["ended"], preview="1")
    assert response.status_code == 400
    assert "Dina Hansen" not in response.content.decode()


def test_recipients_are_only_those_the_coordinator_may_see(oslo, bergen, coordinator_bergen):
    with_login(oslo, status="approved", first_name="Ada")
    assert pick(coordinator_bergen, oslo) == []


def test_the_preview_takes_the_same_queries_for_3_and_30_volunteers(client, coordinator, oslo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _post(client, preview="1").status_code == 200
        return len(captured)

    for _ in range(3):
        with_login(oslo, status="approved")
    _post(client, preview="1")
    few = counted()
    for _ in range(27):
        with_login(oslo, status="approved")
    assert counted() == few


@pytest.mark.parametrize(
    "hidden",
    [
        "krise senter",
        "krise-senter",
        "krise\u00adsenter",
        "KRISE\u200bSENTERET",
        "Krise\u2060senter",
        "\ufeffkrise\u200csenter",
        "ｋｒｉｓｅｓｅｎｔｅｒ",  # full-width letters (NFKC)
        "krise \u2013 senter",
    ],
)
def test_an_outing_word_split_or_disguised_is_refused_with_the_word_shown(
    client, coordinator, oslo, hidden
):
    with_login(oslo, status="approved")
    response = _post(client, body=f"Vi møtes ved {hidden} i morgen.", preview="1")
    assert response.status_code == 400
    assert "«krisesenter»" in response.content.decode()
    assert services.outing_words(hidden) == ["krisesenter"]


def test_the_certificate_uses_the_same_check():
    from volunteers.certificate import course_name

    course = Course(title="Kurs om krise-senter", kind="basic")
    assert course_name(course) == course.get_kind_display()


def test_messages_are_deleted_a_year_after_they_were_sent(oslo, coordinator_oslo):
    from accounts.retention import run_all

    recipients = selectors.volunteer_recipients([with_login(oslo, status="approved")])
    old = _message(oslo, coordinator_oslo, recipients, subject="Gammel")
    recent = _message(oslo, coordinator_oslo, recipients, subject="Ny")
    now = timezone.now()
    Message.objects.filter(pk=old.pk).update(sent_at=now - timedelta(days=366))
    Message.objects.filter(pk=recent.pk).update(sent_at=now - timedelta(days=360))
    assert run_all()["messaging"] == 1
    assert list(Message.objects.values_list("subject", flat=True)) == ["Ny"]
    assert not MessageRecipient.objects.filter(message_id=old.pk).exists()
    assert MessageRecipient.objects.filter(message_id=recent.pk).count() == 1
    assert run_all()["messaging"] == 0


def test_the_preview_heading_is_a_noun(client, coordinator, oslo):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    with_login(oslo, status="approved")
    html = _post(client, preview="1").content.decode()
    assert '<h2 id="preview-title" class="h4">Forhåndsvisning</h2>' in html


def test_the_demo_message_names_no_date_and_says_the_same_in_both_languages():
    import inspect

    from messaging import demo

    source = inspect.getsource(demo)
    for day in ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "Thursday", "juni", "June"):
        assert day not in source
    assert "End of summer" not in source
    assert "before the summer break" in source and "før ferien" in source


def test_a_short_word_is_not_found_across_ordinary_words_but_still_when_disguised():
    """«av oldemor» holds «vold» once the space is gone: only long words are sought that way.
    An unseen character inside a short word hides nothing."""
    assert services.outing_words("Ta med noe av oldemors oppskrifter.") == []
    assert services.outing_words("v\u00adold") == ["vold"]
    assert services.outing_words("tvangs ekteskap") == ["tvangsekteskap"]
