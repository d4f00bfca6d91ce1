"""Sign-in with an optional (or, for some roles, mandatory) code from an authenticator app."""
from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import accounts
from casework.errors import InvalidInput


class SignInForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"), required=False, max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=gettext_lazy("Only if you use two-factor sign-in."),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        self.device = None
        if user is not None and accounts.confirmed_device(user) is not None:
            self.device = accounts.verify_code(user, cleaned.get("otp_token"))
            if self.device is None:
                raise forms.ValidationError(
                    _("Enter the 6-digit code that your authenticator app shows now."), code="otp_required"
                )
        return cleaned


class SignInView(auth_views.LoginView):
    form_class = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.device is not None:
            otp_login(self.request, form.device)
        return response


@login_required
def two_factor(request):
    """Set up (or replace) the authenticator app; a role that must use it lands here after sign-in."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        try:
            confirmed = accounts.confirm_enrolment(user=request.user, device=device, code=request.POST.get("otp_token"))
        except InvalidInput as invalid:
            messages.error(request, invalid.errors["otp_token"][0])
        else:
            otp_login(request, confirmed)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("casework:home")
    has_device = accounts.confirmed_device(request.user) is not None
    if device is None or request.GET.get("new"):
        if has_device and request.user.is_verified() and not request.GET.get("new"):
            return render(request, "registration/two_factor.html", {"has_device": True})
        if has_device and not request.user.is_verified():
            # A user with a device proves it at sign-in; an unverified session cannot replace it.
            return render(request, "registration/two_factor_verify.html")
        device = accounts.start_enrolment(request.user)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5)
    return render(request, "registration/two_factor.html", {
        "device": device, "qr_svg": qr_svg, "secret": b32encode(device.bin_key).decode(),
        "has_device": has_device, "required": accounts.requires_two_factor(request.user),
    })


def locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer to a locked-out user: JSON for the API, a page for people."""
    from django.http import JsonResponse

    message = _("Too many failed sign-in attempts. Wait 15 minutes and try again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", status=429)
