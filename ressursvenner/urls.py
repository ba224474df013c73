from django.contrib import admin
from django.urls import include, path

from ressursvenner import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("personvern/", views.privacy, name="privacy"),
    path("helse/", views.health, name="health"),
    path("helse/web/", views.health_web, name="health_web"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("logg/", audit_views.audit_log, name="audit_log"),
    path(
        "logg/henvisning/<uuid:public_id>/",
        audit_views.referral_access_log,
        name="referral_access_log",
    ),
    path("logg/kobling/<uuid:public_id>/", audit_views.match_access_log, name="match_access_log"),
    path("min-side/", views.my_page, name="my_page"),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("volunteers.urls")),
    path("", include("courses.urls")),
    path("", include("supervision.urls")),
    path("", include("messaging.urls")),
    path("", include("matching.urls")),
    path("", include("reports.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler400 = "ressursvenner.views.bad_request"
handler403 = "ressursvenner.views.permission_denied"
handler404 = "ressursvenner.views.page_not_found"
handler500 = "ressursvenner.views.server_error"
