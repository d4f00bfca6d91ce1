from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/form.pdf", views.referral_pdf, name="pdf"),
    path("<uuid:pk>/<str:step>/", views.referral_step, name="step"),
]
