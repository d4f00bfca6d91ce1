from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.home, name="home"),
    path("registry/", views.registry, name="registry"),
    path("registry/new/", views.household_register, name="register"),
    path("registry/<uuid:pk>/", views.household_detail, name="household"),
    path("registry/<uuid:pk>/edit/", views.household_edit, name="household_edit"),
    path("registry/<uuid:pk>/consent/", views.consent_record, name="consent_record"),
    path("registry/<uuid:pk>/consent/<uuid:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("people/<uuid:pk>/export/", views.person_export, name="person_export"),
    path("people/<uuid:pk>/anonymise/", views.person_anonymise, name="person_anonymise"),
    path("audit/", views.audit_trail, name="audit"),
]
