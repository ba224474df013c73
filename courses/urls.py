from django.urls import path

from courses import catalogue_views, gathering_views, views

urlpatterns = [
    path("kurs/", views.course_list, name="course_list"),
    # The national catalogue, kept by the national admin.
    path("admin-nks/kurs/", catalogue_views.catalogue, name="course_catalogue"),
    path("admin-nks/kurs/ny/", catalogue_views.course_create, name="course_catalogue_new"),
    path(
        "admin-nks/kurs/<uuid:public_id>/",
        catalogue_views.course_edit,
        name="course_catalogue_edit",
    ),
    path(
        "admin-nks/kurs/<uuid:public_id>/tilbud/",
        catalogue_views.course_offer,
        name="course_catalogue_offer",
    ),
    path("kurs/okter/ny/", views.session_create, name="session_create"),
    path("kurs/okter/<uuid:public_id>/", views.session_detail, name="session_detail"),
    path("kurs/okter/<uuid:public_id>/endre/", views.session_update, name="session_update"),
    path("kurs/okter/<uuid:public_id>/avlys/", views.session_cancel, name="session_cancel"),
    path("kurs/okter/<uuid:public_id>/meld-pa/", views.session_enrol, name="session_enrol"),
    path(
        "kurs/okter/<uuid:public_id>/oppmote/",
        views.session_attendance,
        name="session_attendance",
    ),
    path(
        "kurs/okter/<uuid:public_id>/oppmote/uten-plass/",
        views.session_walk_in,
        name="session_walk_in",
    ),
    path("kurs/okter/<uuid:public_id>/kalender.ics", views.session_ics, name="session_ics"),
    path(
        "kurs/pameldinger/<uuid:public_id>/meld-av/",
        views.enrolment_cancel,
        name="enrolment_cancel",
    ),
    path("min-side/kurs/", views.my_courses, name="my_courses"),
    path(
        "min-side/kurs/<uuid:public_id>/meld-pa/",
        views.my_session_sign_up,
        name="my_session_sign_up",
    ),
    # Gatherings (samlinger) of volunteers, national or for some associations.
    path("samlinger/", gathering_views.gathering_list, name="gathering_list"),
    path("samlinger/ny/", gathering_views.gathering_create, name="gathering_create"),
    path("samlinger/<uuid:public_id>/", gathering_views.gathering_detail, name="gathering_detail"),
    path(
        "samlinger/<uuid:public_id>/endre/",
        gathering_views.gathering_update,
        name="gathering_update",
    ),
    path(
        "samlinger/<uuid:public_id>/avlys/",
        gathering_views.gathering_cancel,
        name="gathering_cancel",
    ),
    path(
        "samlinger/<uuid:public_id>/meld-pa/",
        gathering_views.gathering_sign_up_for,
        name="gathering_sign_up_for",
    ),
    path(
        "samlinger/<uuid:public_id>/oppmote/",
        gathering_views.gathering_attendance,
        name="gathering_attendance",
    ),
    path(
        "samlinger/<uuid:public_id>/kalender.ics",
        gathering_views.gathering_ics,
        name="gathering_ics",
    ),
    path(
        "samlinger/pameldinger/<uuid:public_id>/meld-av/",
        gathering_views.gathering_sign_off_for,
        name="gathering_sign_off_for",
    ),
    path("min-side/samlinger/", gathering_views.my_gatherings, name="my_gatherings"),
    path(
        "min-side/samlinger/<uuid:public_id>/meld-pa/",
        gathering_views.my_gathering_sign_up,
        name="my_gathering_sign_up",
    ),
    path(
        "min-side/samlinger/<uuid:public_id>/meld-av/",
        gathering_views.my_gathering_sign_off,
        name="my_gathering_sign_off",
    ),
    path("min-side/kalender/ny-lenke/", views.calendar_feed_renew, name="calendar_feed_renew"),
    # A token is URL-safe base64 (secrets.token_urlsafe): anything else is no feed, not a query.
    path("kalender/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
