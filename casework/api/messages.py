"""What the API says when a reference in a request names nothing: DRF's own words ("Invalid pk ... -
object does not exist", "Object with code=X does not exist") read like a stack trace to the officers
and partners who see them."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NO_SUCH_RECORD = _("There is no record with the id “{pk_value}” that you can see. Check the id.")
NO_SUCH_CODE = _("There is nothing active with the {slug_name} “{value}”. Check it against the lists.")


def install():
    """Called once the apps are ready, so that every relation field of every serializer speaks the same."""
    serializers.PrimaryKeyRelatedField.default_error_messages.update(does_not_exist=NO_SUCH_RECORD)
    serializers.SlugRelatedField.default_error_messages.update(does_not_exist=NO_SUCH_CODE)
