from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("year/", views.year_summary, name="year_summary"),
    path("runs/", views.request_rollup, name="request_rollup"),
]
