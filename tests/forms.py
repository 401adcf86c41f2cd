"""What a browser sends back when the user presses "Opslaan" on a form as it is shown."""

import datetime as dt


def as_post_data(form, **changes) -> dict:
    """The values a rendered (admin) form holds, as the browser would post them.

    For a form shown again after an error that is what the user sees now, not what they
    first sent: the test of "save again" then saves what the page holds.
    """
    data = {}
    for bound in form:
        _put(data, bound.html_name, bound.value())
        if bound.field.show_hidden_initial:  # a callable default, e.g. today
            _put(data, bound.html_initial_name, bound.initial)
    data.update(changes)
    return data


def _put(data, name, value):
    if isinstance(value, bool):
        if value:
            data[name] = "on"
        return  # an unticked checkbox is not sent
    if callable(value):
        value = value()
    if isinstance(value, (list, tuple)):
        data[name] = [str(v) for v in value]
    elif value is None:
        data[name] = ""
    elif isinstance(value, dt.date):
        data[name] = value.strftime("%d-%m-%Y")
    else:
        data[name] = str(value)


def admin_post_data(response, **changes) -> dict:
    """An admin change page as it is shown (the form, every inline row and the inlines'
    management forms), as the browser would post it."""
    data = as_post_data(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(as_post_data(formset.management_form))
        for form in formset.forms:
            data.update(as_post_data(form))
    data.update(changes)
    return data
