"""The programme's lists as the matching pages use them: a need added by a national admin is
referred, offered, matched and explained; activities and end reasons follow the lists too."""

import re
from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services
from courses.models import CONSIDERATIONS
from matching import scoring
from matching.models import (
    ACTIVITIES,
    MATCH_END_REASONS,
    Activity,
    EndReason,
    MatchStatus,
    Meeting,
    Referral,
)
from tests.conftest import login
from tests.matching.test_referrals import referral_post
from volunteers.models import NEEDS, Strength

pytestmark = pytest.mark.django_db


def test_a_new_need_is_referred_offered_to_volunteers_and_scored_as_a_match(
    client, oslo, national_admin, shelter_worker_oslo, make_volunteer
):
    login(client, national_admin)
    client.post(
        reverse("programme_list", args=["behov"]),
        {"name_nb": "Førerkort", "name_en": "Driving licence"},
    )
    driving = NEEDS.entries()[-1].value
    assert driving == 256

    # The volunteer's application offers it.
    client.logout()
    assert f'value="{driving}"' in client.get(reverse("become_volunteer")).content.decode()

    # The shelter refers a woman who needs it (and nothing else).
    login(client, shelter_worker_oslo)
    form = client.get(reverse("referral_create")).content.decode()
    assert f'name="needs" value="{driving}"' in form and "Førerkort" in form
    response = client.post(reverse("referral_create"), referral_post(needs=[str(driving)]))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.needs == driving
    assert referral.need_labels == ["Førerkort"]

    # A volunteer who can help with it covers her needs; one who cannot does not.
    helps = make_volunteer(oslo, first_name="Kan", strengths=driving | Strength.HOUSING)
    other = make_volunteer(oslo, first_name="Kan ikke", strengths=Strength.HOUSING)
    cands = scoring.load_candidates([referral.association_id])
    refs = scoring.load_referrals([referral])
    needs = scoring.parts(refs, cands)["needs"][0]
    column = {int(pk): i for i, pk in enumerate(cands.ids)}
    assert needs[column[helps.pk]] == 1.0 and needs[column[other.pk]] == 0.0
    result = scoring.suggest(referral)
    assert next(s.volunteer for s in result.suggestions) == helps
    with translation.override("en"):
        reasons = {p.name: p.reason for p in scoring.suggest(referral).suggestions[0].parts}
    assert reasons["needs"] == "Can help with 1 of 1 needs: driving licence"
    assert np.isfinite(needs).all()


def test_the_referral_form_offers_the_needs_and_considerations_in_the_lists_order(
    client, shelter_worker_oslo
):
    services.list_entry_move(programme_list=NEEDS, value=Strength.FINANCES.value, up=True)
    services.list_entry_set_active(programme_list=CONSIDERATIONS, value=16, active=False)
    login(client, shelter_worker_oslo)
    form = client.get(reverse("referral_create")).content.decode()
    assert form.index('name="needs" value="64"') < form.index('name="needs" value="32"')
    assert 'name="considerations" value="16"' not in form
    assert 'name="considerations" value="8"' in form


def test_meeting_activities_follow_the_list_and_old_meetings_keep_a_deactivated_one(
    client, oslo, volunteer_oslo, make_volunteer, make_match
):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=30)
    match.save()
    old = Meeting.objects.create(
        match=match,
        date=timezone.localdate() - timedelta(days=3),
        minutes=60,
        activities=Activity.COFFEE | Activity.HOUSING,
        created_by=volunteer_oslo,
    )
    services.list_entry_set_active(programme_list=ACTIVITIES, value=Activity.HOUSING, active=False)
    services.list_entry_rename(
        programme_list=ACTIVITIES, value=Activity.COFFEE, name_nb="Kaffe", name_en="Coffee"
    )
    login(client, volunteer_oslo)
    form = client.get(reverse("meeting_log")).content.decode()
    assert 'name="activities" value="8"' not in form and "Kaffe" in form
    # Her list of meetings still names what they did then.
    meetings = client.get(reverse("my_meetings")).content.decode()
    assert "Kaffe, boligvisning" in meetings
    # Editing that meeting keeps it ticked.
    edit = client.get(reverse("meeting_edit", args=[old.public_id])).content.decode()
    assert re.search(r'name="activities" value="8"[^>]*checked', edit)
    assert old.activity_labels == ["Kaffe", "Boligvisning"]


def test_ending_a_match_offers_the_reasons_in_use_and_shows_the_new_name(
    client, oslo, coordinator_oslo, make_volunteer, make_match
):
    from matching.templatetags import matching_tags

    match = make_match(make_volunteer(oslo), status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=200)
    match.save()
    login(client, coordinator_oslo)
    matching_tags._BLANK_FORMS.clear()
    end_page = reverse("match_end", args=[match.public_id])
    page = client.get(end_page).content.decode()
    assert 'value="broke_off"' in page
    services.list_entry_set_active(
        programme_list=MATCH_END_REASONS, value=EndReason.BROKE_OFF, active=False
    )
    services.list_entry_rename(
        programme_list=MATCH_END_REASONS,
        value=EndReason.MOVED,
        name_nb="Hun flyttet bort",
        name_en="She moved away",
    )
    page = client.get(end_page).content.decode()
    assert 'value="broke_off"' not in page  # the kept form was written anew
    assert "Hun flyttet bort" in page
    response = client.post(
        end_page,
        {
            "ended_on": timezone.localdate().isoformat(),
            "end_planned": "no",
            "end_initiated_by": "woman",
            "end_reason": "moved",
            "outcome_moved_back": "no",
            "outcome_housing": "yes",
            "outcome_work_or_study": "unknown",
            "outcome_network": "no",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    match.refresh_from_db()
    assert match.status == MatchStatus.ENDED
    assert match.get_end_reason_display() == "Hun flyttet bort"
    with translation.override("en"):
        assert match.get_end_reason_display() == "She moved away"
    assert (
        "Hun flyttet bort" in client.get(reverse("match_list") + "?vis=avsluttet").content.decode()
    )


def test_a_page_of_ended_matches_reads_the_lists_once_however_many_rows(
    client, oslo, coordinator_oslo, make_volunteer, make_match
):
    """Each row names its end reason from the list: read once per request (then from the
    cache), never once per row, even when the cache is empty."""
    from django.core.cache import cache

    from tests.querycount import queries_for

    login(client, coordinator_oslo)
    url = reverse("match_list") + "?vis=avsluttet"

    def cold(count: int) -> int:
        for n in range(count):
            match = make_match(make_volunteer(oslo), status=MatchStatus.ENDED)
            match.ended_on = timezone.localdate() - timedelta(days=n)
            match.end_reason = EndReason.values[n % len(EndReason.values)]
            match.save()
        cache.clear()
        login(client, coordinator_oslo)
        return queries_for(client, url)

    assert cold(3) == cold(27)
    html = client.get(url).content.decode()
    assert "Hun flyttet" in html and "Brutt" in html
