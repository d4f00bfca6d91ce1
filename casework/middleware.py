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
