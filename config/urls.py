from django.contrib.auth import views as auth_views
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casework.admin import admin_site
from casework.api.views import TokenView
from casework.auth_views import SignInView, two_factor
from casework.views import healthz

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI starts itself with an inline script: allowed on this page only.
    path("docs/", csp_update({"script-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("", include("casework.api.urls")),
    path("", include("reporting.api_urls")),
    path("", include("referrals.api_urls")),
    path("", include("distributions.api_urls")),
    path("", include("imports.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/two-factor/", two_factor, name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("admin/", admin_site.urls),
    path("reports/", include("reporting.urls")),
    path("referrals/", include("referrals.urls")),
    path("distributions/", include("distributions.urls")),
    path("imports/", include("imports.urls")),
    path("", include("casework.urls")),
]
