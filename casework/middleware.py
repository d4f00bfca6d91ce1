import uuid


from casework import audit


class RequestContextMiddleware:
    """Makes the caller's IP and a request id available to the audit trail of every write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        token = audit.bind_request(ip_address=request.META.get("REMOTE_ADDR"), request_id=request_id[:64])
        try:
            response = self.get_response(request)
        finally:
            audit.unbind_request(token)
        response["X-Request-ID"] = request_id[:64]
        return response


class TwoFactorRequiredMiddleware:
    """A signed-in user who has a second factor, or whose role must have one, reaches nothing but the
    two-factor pages until the session is verified."""

    OPEN_PATHS = ("/accounts/", "/i18n/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.utils.translation import gettext as _

        from casework import accounts

        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PATHS)
            and (accounts.requires_two_factor(user) or accounts.confirmed_device(user) is not None)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Two-factor sign-in is required: sign in again with your code.")}, status=403
                )
            return redirect("two_factor")
        return self.get_response(request)
