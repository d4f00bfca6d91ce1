from django.utils.translation import gettext as _


class InvalidInput(Exception):
    """Input that breaks a registry rule; `errors` has the API's shape: {field: [messages]},
    with nested members as {"members": [{field: [messages]}, ...]} in the order they were sent."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class StaleWrite(Exception):
    """The record changed since the caller read it."""

    def __init__(self, current_version):
        super().__init__(current_version)
        self.current_version = current_version
        self.message = _(
            "This record was changed by someone else since you opened it (it is now at version %(version)s). "
            "Reload it, check the changes and save again."
        ) % {"version": current_version}


class NotAllowed(Exception):
    """The caller sees the record but may not do this to it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
