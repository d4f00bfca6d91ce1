import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.throttling import SimpleRateThrottle

from casework.models import ApiToken

# Writing last_used_at on every request would make each read a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(key):
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user):
    """A new random token for the user; only its hash is kept, so it is shown this once."""
    key = secrets.token_hex(24)
    token = ApiToken.objects.create(
        key_hash=hash_token(key),
        prefix=key[:8],
        user=user,
        expires_at=timezone.now() + settings.CAMINOS_API_TOKEN_LIFETIME,
    )
    return key, token


class ExpiringTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired. Ask for a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (per user for browser sessions): a leaked token is slowed on its own."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            identity = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            identity = f"user-{request.user.pk}"
        else:
            identity = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": identity}
