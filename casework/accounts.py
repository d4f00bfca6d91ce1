"""Users, their API tokens and their second factor. Every change to a user is audited."""
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit
from casework.codes import Role
from casework.errors import InvalidInput
from casework.models import ApiToken, User

USER_AUDIT_FIELDS = ["username", "first_name", "last_name", "email", "role", "organisation", "is_active", "is_staff"]
EDITABLE_BY_SELF = {"first_name", "last_name", "email"}


@transaction.atomic
def save_user(*, actor, user=None, sites=None, password=None, **fields):
    """Create or update a user. Returns the user. `actor` is None for the command line."""
    creating = user is None
    user = user or User()
    before = {} if creating else audit.snapshot(user, USER_AUDIT_FIELDS) | {"sites": _site_codes(user)}
    errors = {}
    if actor is not None and not creating and actor.pk == user.pk and (
            fields.get("role", user.role) != user.role or
            fields.get("organisation", user.organisation) != user.organisation):
        errors["role"] = [_("You cannot change your own role or organisation.")]
    if fields.get("role") is not None and fields["role"] not in Role.values:
        errors["role"] = [_("Unknown role.")]
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_staff = user.role == Role.ADMIN
    user.is_superuser = False
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors["password"] = list(error.messages)
        user.set_password(password)
    elif creating:
        user.set_unusable_password()
    if not user.username:
        errors["username"] = [_("This field is required.")]
    elif User.objects.filter(username=user.username).exclude(pk=user.pk).exists():
        errors["username"] = [_("This username is taken.")]
    if errors:
        raise InvalidInput(errors)
    user.save()
    if sites is not None:
        user.sites.set(sites)
    if not user.is_active:
        revoke_tokens(actor=actor, user=user)
    after = audit.snapshot(user, USER_AUDIT_FIELDS) | {"sites": _site_codes(user)}
    if creating:
        audit.record(actor=actor, action="create", instance=user, changes={"after": after})
    else:
        changes = audit.diff(before, after)
        if password is not None:
            changes["password"] = {"before": "…", "after": "…"}
        if changes:
            audit.record(actor=actor, action="update", instance=user, changes=changes)
    return user


def _site_codes(user):
    return sorted(user.sites.values_list("code", flat=True)) if user.pk else []


@transaction.atomic
def revoke_token(*, actor, token):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="update", instance=token,
                     changes={"revoked_at": {"before": None, "after": str(token.revoked_at)}})
    return token


def revoke_tokens(*, actor, user):
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        revoke_token(actor=actor, token=token)


# --- two-factor sign-in ------------------------------------------------------------------------

def requires_two_factor(user):
    return user.role in settings.CAMINOS_2FA_REQUIRED_ROLES


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def verify_code(user, code):
    """The user's confirmed device if `code` is its current code, else None."""
    code = "".join(str(code or "").split())
    device = confirmed_device(user)
    if device is not None and code and device.verify_token(code):
        return device
    return None


def start_enrolment(user):
    """An unconfirmed TOTP device for the user to scan; an earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def confirm_enrolment(*, user, device, code):
    code = "".join(str(code or "").split())
    if not code or not device.verify_token(code):
        raise InvalidInput({"otp_token": [_("That code is not right. Check the time on your phone and try again.")]})
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="update", instance=user,
                 changes={"two_factor": {"before": None, "after": "totp"}})
    return device
