from django.urls import path

from notifications import views

urlpatterns = [
    path("varsler/", views.notification_list, name="notification_list"),
    path("varsler/les-alle/", views.notifications_read_all, name="notifications_read_all"),
    path("varsler/<uuid:public_id>/", views.notification_open, name="notification_open"),
    path(
        "admin-nks/eposter-som-feilet/",
        views.failed_email_list,
        name="natadmin_failed_emails",
    ),
    path(
        "admin-nks/eposter-som-feilet/<uuid:public_id>/send-igjen/",
        views.failed_email_retry,
        name="natadmin_failed_email_retry",
    ),
]
