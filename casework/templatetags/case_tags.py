"""Template helpers for the case pages and the navigation."""
from django import template

from casework.permissions import can

register = template.Library()


@register.simple_tag
def may(user, resource, action):
    """{% may user "case" "review" as can_review %}: the permission layer, asked from a template."""
    return can(user, resource, action)
