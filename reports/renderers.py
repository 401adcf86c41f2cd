"""A form renderer that writes Django's <select> in Python, for the filter forms.

Django renders a select through its template engine: two template includes per option
(select_option.html and attrs.html). The actions page's filter offers a few dozen options
(the all-actions page thousands), and including them cost more than the rest of the form.
`SelectsInPython` writes the markup of Django's select.html and select_option.html (and of
the status checkboxes, checkbox_option.html) from the same context Django's widget builds
(value, selection, attributes, labels); every other template, and any select it does not
know how to write (option groups, labels that are not text), goes to Django's own
renderer. tests/test_renderers.py compares the two.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
CHECKBOX = "django/forms/widgets/checkbox_option.html"


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html writes."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict) -> str | None:
    """The markup of select.html for a widget's context; None where it would differ:
    option groups, another option template, a label a template would localise."""
    parts = [
        f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            return None
        for option in options:
            label = option["label"]
            if option["template_name"] != OPTION or not isinstance(
                label, (str, Promise)
            ):
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(label)}</option>\n"
            )
    parts.append("\n</select>")
    return "".join(parts)


def checkbox_html(widget: dict) -> str | None:
    """The markup of checkbox_option.html (input.html) for one checkbox of a
    CheckboxSelectMultiple, as `{{ choice.tag }}` writes it; None with its label
    wrapped around it."""
    if widget.get("wrap_label"):
        return None
    value = widget["value"]
    value = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'
    )


class SelectsInPython(DjangoTemplates):
    """Django's default form renderer, with select.html written by `select_html` and
    a checkbox of a multiple choice by `checkbox_html`."""

    def render(self, template_name, context, request=None):
        html = None
        if template_name == SELECT:
            html = select_html(context["widget"])
        elif template_name == CHECKBOX:
            html = checkbox_html(context["widget"])
        if html is not None:
            return html
        return super().render(template_name, context, request)


# One instance: its template engine is built once per process, as Django's own is.
renderer = SelectsInPython()
