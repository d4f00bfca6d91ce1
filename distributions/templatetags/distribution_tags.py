from django import template

from casework.permissions import can

register = template.Library()


@register.filter
def may(user, permission):
    """`user|may:"receipt.create"`: the permission layer, for guarding links in templates."""
    resource, _dot, action = permission.partition(".")
    return can(user, resource, action)


@register.filter
def quantity(value):
    """12.00 -> 12, 2.50 -> 2.5"""
    return f"{value.normalize():f}" if value is not None else ""


@register.inclusion_tag("distributions/_nav.html")
def distributions_nav(user):
    """The top bar's link, shown to those who may see distribution rounds."""
    return {"show": can(user, "distribution_round", "list")}
