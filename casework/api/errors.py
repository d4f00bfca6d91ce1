"""Service exceptions turned into the API's error answers."""
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from casework.errors import InvalidInput, NotAllowed, StaleWrite


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, StaleWrite):
        response = Response(
            {"detail": exc.message, "current_version": exc.current_version}, status=status.HTTP_409_CONFLICT
        )
        return response
    elif isinstance(exc, NotAllowed):
        exc = Conflict(exc.message)
    return drf_exception_handler(exc, context)
