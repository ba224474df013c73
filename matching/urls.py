from django.urls import path

from matching.views import concerns, matches, meetings, referrals, weights

urlpatterns = [
    path("henvisninger/", referrals.referral_list, name="referral_list"),
    path("henvisninger/ny/", referrals.referral_create, name="referral_create"),
    path("henvisninger/<uuid:public_id>/", referrals.referral_detail, name="referral_detail"),
    path(
        "henvisninger/<uuid:public_id>/sikkerhet/",
        referrals.referral_safety_notes,
        name="referral_safety_notes",
    ),
    path("henvisninger/<uuid:public_id>/ta/", referrals.referral_take, name="referral_take"),
    path(
        "henvisninger/<uuid:public_id>/overfor/",
        referrals.referral_transfer,
        name="referral_transfer",
    ),
    path(
        "henvisninger/<uuid:public_id>/trekk-tilbake/",
        referrals.referral_withdraw,
        name="referral_withdraw",
    ),
    path(
        "henvisninger/<uuid:public_id>/forslag/",
        referrals.referral_suggestions,
        name="referral_suggestions",
    ),
    path("henvisninger/<uuid:public_id>/foresla/", referrals.match_propose, name="match_propose"),
    path(
        "henvisninger/<uuid:public_id>/forny-bindingstid/",
        referrals.referral_commitment_renew,
        name="referral_commitment_renew",
    ),
    path("henvisninger/<uuid:public_id>/innsyn/", referrals.referral_data, name="referral_data"),
    path(
        "henvisninger/<uuid:public_id>/samtykke-trukket/",
        referrals.referral_consent_withdrawn,
        name="referral_consent_withdrawn",
    ),
    path("koblinger/", matches.match_list, name="match_list"),
    path("koblinger/forslag/", referrals.match_batch, name="match_batch"),
    path("koblinger/<uuid:public_id>/", matches.match_detail, name="match_detail"),
    path("koblinger/<uuid:public_id>/avslutt/", matches.match_end, name="match_end"),
    path("koblinger/<uuid:public_id>/<slug:action>/", matches.match_action, name="match_action"),
    path("koblinger/bekymringer/<uuid:public_id>/", meetings.concern_detail, name="concern_detail"),
    path(
        "koblinger/oppfolging/<uuid:public_id>/<slug:action>/",
        meetings.follow_up_action,
        name="follow_up_action",
    ),
    path("min-side/kobling/", matches.my_match, name="my_match"),
    path(
        "min-side/kobling/<uuid:public_id>/forste-mote.ics",
        matches.my_first_meeting_ics,
        name="my_first_meeting_ics",
    ),
    path("min-side/moter/", meetings.my_meetings, name="my_meetings"),
    path("min-side/moter/ny/", meetings.meeting_log, name="meeting_log"),
    path("min-side/moter/<uuid:public_id>/endre/", meetings.meeting_edit, name="meeting_edit"),
    path("min-side/hjelp/", meetings.emergency, name="emergency"),
    path("min-side/bekymring/ny/", concerns.concern_new, name="concern_new"),
    path("vekter/", weights.matching_weights, name="matching_weights"),
    path("vekter/standard/", weights.matching_weights_restore, name="matching_weights_restore"),
    path(
        "min-side/kobling/<uuid:public_id>/svar/", matches.my_match_answer, name="my_match_answer"
    ),
]
