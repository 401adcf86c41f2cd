"""`{% load formats %}`: the numbers and dates of ivp/formats.py in templates.

`{{ value|dutch_number }}` instead of `|floatformat` or `.normalize` (which prints
"2E+1"), `{{ day|dutch_date }}` instead of a date format written into each template.
"""

from django import template

from ivp import formats

register = template.Library()


@register.filter
def dutch_number(value) -> str:
    return formats.number(value)


@register.filter
def dutch_signed(value) -> str:
    return formats.signed(value)


@register.filter
def dutch_date(value) -> str:
    return formats.date(value)
