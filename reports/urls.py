from django.urls import path

from reports import views

urlpatterns = [
    path("statistikk/", views.statistics, name="statistics"),
    path("statistikk/eksport/<slug:table>.csv", views.statistics_csv, name="statistics_csv"),
]
