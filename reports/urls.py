from django.urls import path

from reports import views

urlpatterns = [
    path("statistikk/", views.statistics, name="statistics"),
    path("statistikk/eksport/statistikk.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("statistikk/eksport/<slug:table>.csv", views.statistics_csv, name="statistics_csv"),
    path("statistikk/arsrapport/", views.annual_reports, name="annual_reports"),
    path(
        "statistikk/arsrapport/<int:pk>/<slug:kind>/",
        views.annual_report_download,
        name="annual_report_download",
    ),
]
