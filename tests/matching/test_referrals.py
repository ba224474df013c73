"""Shelter intake, the coordinator's queue, transfers and withdrawal – and who sees what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Referral, ReferralEvent, ReferralStatus
from matching.notifications import NEW_REFERRAL, REFERRAL_WITHDRAWN
from notifications.models import Notification
from tests.conftest import login
from tests.factories import AssociationFactory

pytestmark = pytest.mark.django_db


def referral_post(**overrides):
    data = {
        "alias": "Amal",
        "age_bracket": "26-35",
        "municipality": "Oslo",
        "avoid_1": "Bærum (Akershus)",
        "preferred_language": "ar",
        "languages": ["no"],
        "needs": ["1", "4"],
        "availability": ["2"],
        "considerations": ["8"],
        "safety_notes": "HEMMELIG-SIKKERHET",
        "consent_on": timezone.localdate().isoformat(),
        "consent_confirmed": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_shelter_worker_refers_a_woman_and_it_reaches_the_association_covering_her_municipality(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, shelter_worker_oslo
):
    login(client, shelter_worker_oslo)
    response = client.post(reverse("referral_create"), referral_post())
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert response["Location"] == referral.get_absolute_url()
    assert referral.association == oslo
    assert referral.consent_recorded_by == shelter_worker_oslo
    assert referral.language_codes == ["ar", "no"]
    assert [m.number for m in referral.avoid_municipalities.all()] == ["3201"]
    assert referral.needs == 5 and referral.considerations == 8
    assert referral.status == ReferralStatus.RECEIVED
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (coordinator_oslo, NEW_REFERRAL)
    assert "Amal" not in note.link and "HEMMELIG" not in str(note.text)
    # The shelter sees it on its start page with its status.
    html = client.get("/").content.decode()
    assert "Amal" in html and "Mottatt" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent_confirmed": None}, "En henvisning kan ikke lagres uten samtykket hennes."),
        ({"consent_on": ""}, "Fyll ut dette feltet."),
        ({"avoid_1": "Oslo"}, "Hun skal bo her, så dette kan ikke også være en kommune å unngå."),
        ({"municipality": "Gotham"}, "Vi fant ikke kommunen"),
        ({"alias": "Amal 12038512345"}, "Kallenavnet kan ikke inneholde tall"),
        ({"alias": "Amal Hassan Ali"}, "ikke fullt navn"),
        ({"consent_on": "2999-01-01"}, "kan ikke være fram i tid"),
    ],
)
def test_bad_referrals_are_refused_with_a_message_and_nothing_is_saved(
    client, oslo, shelter_worker_oslo, overrides, message
):
    login(client, shelter_worker_oslo)
    response = client.post(reverse("referral_create"), referral_post(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "HEMMELIG-SIKKERHET" in html  # what she typed is kept
    assert not Referral.objects.exists()


def test_the_coordinators_queue_is_oldest_first_with_days_waiting(
    client, oslo, coordinator_oslo, make_referral
):
    make_referral(oslo, alias="Nyest", days_ago=1)
    make_referral(oslo, alias="Eldst", days_ago=12)
    login(client, coordinator_oslo)
    html = client.get(reverse("referral_list")).content.decode()
    assert html.index("Eldst") < html.index("Nyest")
    assert "12 dager" in html


def test_taking_transferring_and_the_history_both_sides_see(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, shelter_worker_oslo, make_referral
):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    client.post(reverse("referral_take", args=[referral.public_id]))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.BEING_MATCHED
    response = client.post(
        reverse("referral_transfer", args=[referral.public_id]),
        {"association": str(bergen.public_id), "reason": "Hun flytter til Bergen."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.association, referral.status) == (bergen, ReferralStatus.RECEIVED)
    transfer = ReferralEvent.objects.get(referral=referral, kind="transferred")
    assert transfer.reason == "Hun flytter til Bergen."  # (stored encrypted: not searchable)
    # Oslo no longer sees it; Bergen and the shelter see the transfer and its reason.
    assert client.get(referral.get_absolute_url()).status_code == 404
    client.logout()
    login(client, coordinator_bergen)
    assert "Hun flytter til Bergen." in client.get(referral.get_absolute_url()).content.decode()
    client.logout()
    login(client, shelter_worker_oslo)
    assert "Hun flytter til Bergen." in client.get(referral.get_absolute_url()).content.decode()


def test_a_transfer_without_a_reason_is_refused(
    client, oslo, bergen, coordinator_oslo, make_referral
):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    response = client.post(
        reverse("referral_transfer", args=[referral.public_id]),
        {"association": str(bergen.public_id), "reason": ""},
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.association == oslo


def test_the_transfer_list_is_every_other_active_association_as_django_writes_a_select(
    oslo, bergen, make_referral
):
    """The list of associations is written without a template per option (there are hundreds)
    and read without a model instance per option: the same select as Django's own."""
    from django import forms
    from django.test.html import parse_html

    from accounts.models import Association
    from matching.forms import TransferForm

    AssociationFactory(name="Tromsø <Sanitetsforening> & co")
    AssociationFactory(name="Nedlagt", is_active=False)
    form = TransferForm(exclude=oslo)
    listed = str(form["association"])

    class Plain(forms.Form):
        association = forms.ModelChoiceField(
            label="Send to",
            queryset=Association.objects.filter(is_active=True).exclude(pk=oslo.pk),
            to_field_name="public_id",
        )

    assert parse_html(listed) == parse_html(str(Plain()["association"]))
    assert (
        "Bergen Sanitetsforening" in listed and "Tromsø &lt;Sanitetsforening&gt; &amp; co" in listed
    )
    assert "Nedlagt" not in listed and "Oslo Sanitetsforening" not in listed
    chosen = TransferForm({"association": str(bergen.public_id), "reason": "Flytter"}, exclude=oslo)
    assert chosen.is_valid() and chosen.cleaned_data["association"] == bergen
    bound = str(chosen["association"])
    assert parse_html(bound) == parse_html(
        str(Plain({"association": str(bergen.public_id)})["association"])
    )
    assert f'value="{bergen.public_id}" selected' in bound


def test_the_shelter_withdraws_with_a_reason_before_the_match_is_active(
    client, oslo, coordinator_oslo, shelter_worker_oslo, make_referral
):
    referral = make_referral(oslo)
    login(client, shelter_worker_oslo)
    assert (
        client.post(
            reverse("referral_withdraw", args=[referral.public_id]), {"reason": ""}
        ).status_code
        == 200
    )
    client.post(
        reverse("referral_withdraw", args=[referral.public_id]), {"reason": "Hun ombestemte seg."}
    )
    referral.refresh_from_db()
    assert (referral.status, referral.withdrawn_reason) == (
        ReferralStatus.WITHDRAWN,
        "Hun ombestemte seg.",
    )
    assert referral.closed_at is not None
    assert Notification.objects.filter(recipient=coordinator_oslo, kind=REFERRAL_WITHDRAWN).exists()
    active = make_referral(oslo, status=ReferralStatus.ACTIVE)
    client.post(reverse("referral_withdraw", args=[active.public_id]), {"reason": "x"})
    active.refresh_from_db()
    assert active.status == ReferralStatus.ACTIVE


def test_who_sees_a_referral(
    client,
    oslo,
    coordinator_oslo,
    coordinator_bergen,
    shelter_worker_bergen,
    volunteer_oslo,
    national_admin,
    make_referral,
):
    referral = make_referral(oslo, alias="Synlig")
    urls = [
        reverse("referral_detail", args=[referral.public_id]),
        reverse("referral_safety_notes", args=[referral.public_id]),
        reverse("referral_suggestions", args=[referral.public_id]),
    ]
    for outsider in (coordinator_bergen, shelter_worker_bergen):
        client.logout()
        login(client, outsider)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (outsider, url)
        assert "Synlig" not in client.get(reverse("referral_list")).content.decode()
    for no_access in (volunteer_oslo, national_admin):
        client.logout()
        login(client, no_access)
        for url in urls:
            assert client.get(url).status_code == 403
    client.logout()
    login(client, coordinator_oslo)
    assert client.get(urls[0]).status_code == 200


def test_the_shelter_never_sees_suggestions_or_volunteers(
    client, oslo, shelter_worker_oslo, make_referral
):
    referral = make_referral(oslo)
    login(client, shelter_worker_oslo)
    assert client.get(reverse("referral_suggestions", args=[referral.public_id])).status_code == 403
    assert client.get(reverse("volunteer_list")).status_code == 403


def test_the_queue_and_the_shelter_list_make_a_fixed_number_of_queries(
    client, oslo, coordinator_oslo, shelter_worker_oslo, make_referral, django_assert_num_queries
):
    make_referral(oslo)
    login(client, coordinator_oslo)
    with django_assert_num_queries(5):  # a page of the list: the rows and their count
        client.get(reverse("referral_list"))
    for _n in range(15):
        make_referral(oslo)
    with django_assert_num_queries(5):
        client.get(reverse("referral_list"))
    client.logout()
    login(client, shelter_worker_oslo)
    with django_assert_num_queries(6):  # one more: the matches the shelter may know about
        client.get(reverse("referral_list"))
