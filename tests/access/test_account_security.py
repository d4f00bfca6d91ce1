import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from casework.api.authentication import TokenRateThrottle, issue_token
from casework.models import ApiToken

PASSWORD = "a-long-test-password"
TOKEN_URL = "/api/v1/auth/token/"


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def device(officer):
    return TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)


def test_sign_in_is_locked_after_repeated_failures_and_not_for_other_users(client, officer, colleague):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alicia", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "alicia", "password": PASSWORD})
    assert locked.status_code == 429
    assert "bloqueado" in locked.content.decode()
    api = APIClient().post(TOKEN_URL, {"username": "alicia", "password": PASSWORD}, format="json")
    assert api.status_code == 429 and "15 minutos" in api.json()["detail"]
    # Officers sharing the border point's connection are not locked out with her.
    assert client.post("/accounts/login/", {"username": "beto", "password": PASSWORD}).status_code == 302


def test_a_user_with_an_authenticator_needs_its_code_on_the_web(client, officer, device):
    without = client.post("/accounts/login/", {"username": "alicia", "password": PASSWORD})
    assert without.status_code == 200
    assert "_auth_user_id" not in client.session
    with_code = client.post("/accounts/login/", {"username": "alicia", "password": PASSWORD,
                                                 "otp_token": current_code(device)})
    assert with_code.status_code == 302
    assert client.get("/registry/").status_code == 200


def test_a_user_with_an_authenticator_needs_its_code_at_the_token_endpoint(officer, device):
    client = APIClient()
    refused = client.post(TOKEN_URL, {"username": "alicia", "password": PASSWORD}, format="json")
    assert refused.status_code == 400 and "otp" in refused.json()
    accepted = client.post(TOKEN_URL, {"username": "alicia", "password": PASSWORD, "otp": current_code(device)},
                           format="json")
    assert accepted.status_code == 200


def test_roles_named_in_the_setting_must_set_up_two_factor(client, admin_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = ["admin"]
    assert APIClient().post(TOKEN_URL, {"username": "adela", "password": PASSWORD}, format="json").status_code == 400
    client.post("/accounts/login/", {"username": "adela", "password": PASSWORD})
    blocked = client.get("/admin/")
    assert blocked.status_code == 302 and blocked["Location"].endswith("/accounts/two-factor/")
    assert client.get("/api/v1/users/").status_code == 403
    page = client.get("/accounts/two-factor/")
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    wrong = client.post("/accounts/two-factor/", {"otp_token": "000000"})
    assert wrong.status_code == 200
    client.post("/accounts/two-factor/", {"otp_token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_the_admin_ui_is_for_admins_only(client, supervisor, admin_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client.force_login(supervisor)
    assert client.get("/admin/casework/user/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/casework/user/").status_code == 200
    assert client.get("/admin/casework/site/").status_code == 200
    assert client.get("/admin/casework/organisation/").status_code == 200
    assert client.get("/admin/casework/organisation/add/").status_code == 200


def test_revoked_and_expired_tokens_answer_401(officer, api_for, admin_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    key, token = issue_token(officer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/households/").status_code == 200
    assert api_for(admin_user).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    assert client.get("/api/v1/households/").status_code == 401
    key, token = issue_token(officer)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/households/")
    assert response.status_code == 401 and "vencido" in response.json()["detail"]


def test_deactivating_a_user_revokes_their_tokens(api_for, admin_user, officer, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client = api_for(officer)
    api_for(admin_user).patch(f"/api/v1/users/{officer.pk}/", {"is_active": False}, format="json")
    assert client.get("/api/v1/households/").status_code == 401
    assert not ApiToken.objects.filter(user=officer, revoked_at__isnull=True).exists()


@pytest.mark.parametrize("header", ["Token", "Token a b", "Bearer abc", "Token " + "x" * 5000, "Token \x00"])
def test_malformed_tokens_answer_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/households/").status_code in {401, 403}


def test_throttling_counts_per_token(officer, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    from django.core.cache import cache

    cache.clear()
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(officer)[0]}")
    second.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(officer)[0]}")
    statuses = [first.get("/api/v1/sites/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert second.get("/api/v1/sites/").status_code == 200


def test_a_user_cannot_change_their_own_role_or_organisation(api_for, officer, admin_user, outsider, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client = api_for(officer)
    for body in ({"role": "admin"}, {"organisation": "CARITAS"}, {"sites": ["TAC"]}, {"is_active": True}):
        assert client.patch("/api/v1/users/me/", body, format="json").status_code == 400
    assert client.patch(f"/api/v1/users/{officer.pk}/", {"role": "admin"}, format="json").status_code == 403
    assert client.patch("/api/v1/users/me/", {"first_name": "Alicia"}, format="json").status_code == 200
    refused = api_for(admin_user).patch(f"/api/v1/users/{admin_user.pk}/", {"role": "supervisor"}, format="json")
    assert refused.status_code == 400
    officer.refresh_from_db()
    assert officer.role == "field_officer" and officer.first_name == "Alicia"


def test_admins_manage_users_of_their_organisation_only(api_for, admin_user, outsider, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client = api_for(admin_user)
    created = client.post("/api/v1/users/", {"username": "nuevo", "role": "caseworker", "sites": ["TUM"],
                                             "password": "una-clave-muy-larga", "organisation": "CARITAS"},
                          format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["organisation"] == "OIM"
    weak = client.post("/api/v1/users/", {"username": "debil", "role": "caseworker", "password": "123"},
                       format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    assert client.get(f"/api/v1/users/{outsider.pk}/").status_code == 404


def test_security_headers_and_a_content_security_policy(client, db):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_sessions_expire_after_inactivity(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_check_deploy_is_clean_with_production_settings():
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if key not in {"CAMINOS_TESTING", "DJANGO_DEBUG",
                                                                       "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env |= {"DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-" + "q" * 30, "DJANGO_ALLOWED_HOSTS": "caminos.example.org"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
