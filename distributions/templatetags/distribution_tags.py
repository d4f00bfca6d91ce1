from django import template

register = template.Library()


@register.filter
def quantity(value):
    """12.00 -> 12, 2.50 -> 2.5"""
    return f"{value.normalize():f}" if value is not None else ""

