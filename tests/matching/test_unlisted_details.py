"""A list shows a woman's alias and her needs, never her safety notes, phone, wishes or why she
withdrew: the lists leave those encrypted details unread, so listing fifty women does not decrypt
fifty sets of them (and nothing on a list can show them by mistake)."""

import pytest
from django.urls import reverse

from common import crypto
from matching.models import MatchStatus, ReferralStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db

SECRET = {
    "phone": "+4799999999",
    "wishes": "Ønsker seg en som liker turer",
    "safety_notes": "Han kjører en rød bil",
}


@pytest.fixture
def decrypted(monkeypatch):
    """Every plaintext the request decrypted."""
    seen: list[str] = []
    original = crypto.decrypt

    def recording(token: str) -> str:
        text = original(token)
        seen.append(text)
        return text

    monkeypatch.setattr(crypto, "decrypt", recording)
    return seen


def test_the_lists_decrypt_her_alias_but_not_her_other_details(
    client,
    coordinator_oslo,
    shelter_worker_oslo,
    oslo,
    make_referral,
    make_volunteer,
    make_match,
    decrypted,
):
    make_referral(oslo, alias="Kvinne på vent", **SECRET)
    running = make_referral(oslo, alias="Kvinne med venn", status=ReferralStatus.ACTIVE, **SECRET)
    make_match(make_volunteer(oslo), referral=running, status=MatchStatus.ACTIVE)
    login(client, coordinator_oslo)

    for address in (
        reverse("referral_list"),
        reverse("referral_list") + "?vis=venter",
        reverse("match_list"),
    ):
        decrypted.clear()
        response = client.get(address)
        assert response.status_code == 200
        assert any(text.startswith("Kvinne") for text in decrypted), address
        for value in SECRET.values():
            assert value not in decrypted, (address, value)

    login(client, shelter_worker_oslo)
    for address in (reverse("home"), reverse("referral_list")):
        decrypted.clear()
        assert client.get(address).status_code == 200
        assert any(text.startswith("Kvinne") for text in decrypted), address
        for value in SECRET.values():
            assert value not in decrypted, (address, value)

    # Her own page reads them, as before.
    login(client, coordinator_oslo)
    decrypted.clear()
    client.get(reverse("referral_detail", args=[running.public_id]))
    assert SECRET["wishes"] in decrypted
