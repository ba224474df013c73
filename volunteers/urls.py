from django.urls import path

from volunteers import views

urlpatterns = [
    path("bli-ressursvenn/", views.apply, name="become_volunteer"),
    path("bli-ressursvenn/takk/", views.application_received, name="application_received"),
    path("frivillige/", views.volunteer_list, name="volunteer_list"),
    path(
        "frivillige/taushetserklaering/",
        views.confidentiality_overview,
        name="confidentiality_overview",
    ),
    path("frivillige/importer/", views.volunteer_import, name="volunteer_import"),
    path(
        "frivillige/importer/mal.xlsx",
        views.volunteer_import_template,
        name="volunteer_import_template",
    ),
    path(
        "frivillige/importer/<uuid:public_id>/",
        views.volunteer_import_preview,
        name="volunteer_import_preview",
    ),
    path(
        "frivillige/importer/<uuid:public_id>/inviter/",
        views.volunteer_import_invite,
        name="volunteer_import_invite",
    ),
    path("frivillige/eksport.xlsx", views.volunteer_export, name="volunteer_export"),
    path("frivillige/utenfor-omrade/", views.outside_area, name="volunteer_outside_area"),
    path("frivillige/<uuid:public_id>/", views.volunteer_detail, name="volunteer_detail"),
    path(
        "frivillige/<uuid:public_id>/status/",
        views.volunteer_transition,
        name="volunteer_transition",
    ),
    path(
        "frivillige/<uuid:public_id>/godkjenn/", views.volunteer_approve, name="volunteer_approve"
    ),
    path("frivillige/<uuid:public_id>/kurs/", views.volunteer_sessions, name="volunteer_sessions"),
    path(
        "frivillige/<uuid:public_id>/screening/<slug:step>/",
        views.screening_record,
        name="screening_record",
    ),
    path(
        "frivillige/<uuid:public_id>/bindingstid/forny/",
        views.commitment_renew,
        name="commitment_renew",
    ),
    path(
        "frivillige/<uuid:public_id>/bindingstid/avslutt/",
        views.commitment_end,
        name="commitment_end",
    ),
    path(
        "frivillige/<uuid:public_id>/logg-ut/",
        views.volunteer_log_out_everywhere,
        name="volunteer_log_out_everywhere",
    ),
    path(
        "frivillige/<uuid:public_id>/inviter/",
        views.volunteer_invite_to_log_in,
        name="volunteer_invite_to_log_in",
    ),
    path(
        "frivillige/<uuid:public_id>/nullstill-totrinn/",
        views.volunteer_reset_two_step,
        name="volunteer_reset_two_step",
    ),
    path("frivillige/<uuid:public_id>/innsyn/", views.volunteer_data, name="volunteer_data"),
    path(
        "frivillige/<uuid:public_id>/attest/",
        views.volunteer_certificate,
        name="volunteer_certificate",
    ),
    path("frivillige/<uuid:public_id>/slett/", views.volunteer_erase, name="volunteer_erase"),
    path("min-side/profil/", views.my_profile, name="my_profile"),
    path("min-side/attest/", views.my_certificate, name="my_certificate"),
    path("min-side/taushetserklaering/", views.my_confidentiality, name="my_confidentiality"),
    path("min-side/hvordan-har-du-det/", views.my_wellbeing, name="my_wellbeing"),
    path(
        "min-side/hvordan-har-du-det/<uuid:public_id>/slett/",
        views.my_wellbeing_delete,
        name="my_wellbeing_delete",
    ),
    path(
        "frivillige/trivsel/<uuid:public_id>/snakket/",
        views.wellbeing_talked,
        name="wellbeing_talked",
    ),
    path("taushetserklaering/", views.declaration_publish, name="declaration_publish"),
]
