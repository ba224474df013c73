from django.urls import path

from supervision import views

urlpatterns = [
    path("veiledningsgrupper/", views.group_list, name="group_list"),
    path("veiledningsgrupper/forventning/", views.expectation_edit, name="expectation_edit"),
    path("veiledningsgrupper/ny/", views.group_create, name="group_create"),
    path("veiledningsgrupper/forfalt/", views.supervision_due_list, name="supervision_due_list"),
    path("veiledningsgrupper/<uuid:public_id>/", views.group_detail, name="group_detail"),
    path("veiledningsgrupper/<uuid:public_id>/endre/", views.group_edit, name="group_edit"),
    path(
        "veiledningsgrupper/samling/<uuid:public_id>/oppmote/",
        views.group_session_attendance,
        name="group_session_attendance",
    ),
    path(
        "veiledningsgrupper/samling/<uuid:public_id>/kalender.ics",
        views.group_session_ics,
        name="group_session_ics",
    ),
]
