"""Template helpers for the case pages and the navigation."""
from django import template

from casework.permissions import can

register = template.Library()


@register.simple_tag
def may(user, resource, action):
    """{% may user "case" "review" as can_review %}: the permission layer, asked from a template."""
    return can(user, resource, action)


@register.simple_tag
def household_cases(household, user):
    """The cases of a household that the user may see, newest first (for the household page)."""
    from casework.models import Case

    return list(Case.objects.visible_to(user).filter(household=household).select_related(
        "individual", "assigned_to").order_by("-opened_at", "id")[:20])
