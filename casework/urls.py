from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.home, name="home"),
    path("registry/", views.registry, name="registry"),
    path("registry/new/", views.household_register, name="register"),
    path("registry/<uuid:pk>/", views.household_detail, name="household"),
    path("registry/<uuid:pk>/edit/", views.household_edit, name="household_edit"),
]
