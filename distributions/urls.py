from django.urls import path

from distributions import views

app_name = "distributions"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<uuid:pk>/", views.round_detail, name="round"),
    path("rounds/<uuid:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<uuid:pk>/table/", views.table, name="table"),
    path("rounds/<uuid:pk>/roster.csv", views.roster_csv, name="roster_csv"),
    path("rounds/<uuid:pk>/roster.pdf", views.roster_pdf, name="roster_pdf"),
    path("rounds/<uuid:pk>/import/", views.roster_import, name="roster_import"),
    path("receipts/<uuid:pk>/void/", views.receipt_void, name="receipt_void"),
    path("households/<uuid:pk>/card/", views.household_card, name="card"),
    path("stock/", views.stock, name="stock"),
]
