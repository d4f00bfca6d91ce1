from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("<uuid:pk>/", views.batch_detail, name="batch"),
    path("<uuid:pk>/progress/", views.progress, name="progress"),
    path("<uuid:pk>/merge/", views.merge, name="merge"),
    path("<uuid:pk>/refuse/", views.refuse, name="refuse"),
    path("<uuid:pk>/rows/<uuid:row_id>/", views.row_edit, name="row_edit"),
    path("<uuid:pk>/rows/<uuid:row_id>/drop/", views.row_drop, name="row_drop"),
]
