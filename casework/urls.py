from django.urls import path

from casework import case_views, duplicate_views, views

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
    path("registry/duplicates/", duplicate_views.duplicate_queue, name="duplicates"),
    path("registry/duplicates/check/", duplicate_views.duplicate_check, name="duplicate_check"),
    path("registry/duplicates/<uuid:pk>/<slug:decision>/", duplicate_views.duplicate_resolve,
         name="duplicate_resolve"),
    path("registry/merges/<uuid:pk>/undo/", duplicate_views.duplicate_unmerge, name="duplicate_unmerge"),
    path("registry/<uuid:household_pk>/open-case/", case_views.case_open, name="case_open"),
    path("cases/", case_views.case_list, name="cases"),
    path("cases/review/", case_views.review_queue, name="case_review"),
    path("cases/priority-rules/", case_views.priority_rules, name="case_priority_rules"),
    path("cases/<uuid:pk>/", case_views.case_detail, name="case"),
    path("cases/<uuid:pk>/assessment/", case_views.case_assess, name="case_assess"),
    path("cases/<uuid:pk>/assign/", case_views.case_assign, name="case_assign"),
    path("cases/<uuid:pk>/notes/", case_views.case_note_add, name="case_note_add"),
    path("cases/<uuid:pk>/follow-ups/", case_views.follow_up_add, name="case_follow_up_add"),
    path("cases/<uuid:pk>/follow-ups/<uuid:follow_up_pk>/done/", case_views.follow_up_done,
         name="case_follow_up_done"),
    path("cases/<uuid:pk>/<slug:action>/", case_views.case_transition, name="case_transition"),
]
