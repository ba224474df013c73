from django.urls import path

from notifications import views

urlpatterns = [
    path("varsler/", views.notification_list, name="notification_list"),
    path("varsler/les-alle/", views.notifications_read_all, name="notifications_read_all"),
    path("varsler/<uuid:public_id>/", views.notification_open, name="notification_open"),
]
