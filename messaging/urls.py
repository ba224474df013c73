from django.urls import path

from messaging import views

urlpatterns = [
    path("meldinger/", views.message_list, name="message_list"),
    path("meldinger/ny/", views.message_create, name="message_create"),
    path("meldinger/mine/", views.my_messages, name="my_messages"),
]
