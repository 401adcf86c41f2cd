"""The actions page's filter selects are written in Python (reports.renderers) for
speed; they must be exactly what Django's own select templates write."""

import pytest
from django import forms
from django.forms.renderers import get_default_renderer
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from actions.filtersets import ActionFilterSet
from actions.models import Action, Status
from reports import renderers
from reports.views import fetch_choices_at_once, narrow_choices

from .factories import dashboard_actions, dashboard_plan


class Filters(forms.Form):
    town = forms.ChoiceField(
        choices=[
            ("", "---------"),
            ("a&b", 'Stad & "Ommeland" <oost>'),
            ("2", gettext_lazy("status")),
            ("3", mark_safe("<b>al veilig</b>")),
        ],
        widget=forms.Select(attrs={"class": "utrecht-select", "data-x": 'a"b'}),
    )
    optional = forms.ChoiceField(choices=[("", "–"), ("1", "een")], required=False)
    grouped = forms.ChoiceField(
        choices=[("Noord", [("1", "Epe"), ("2", "Hattem")]), ("3", "Heerde")]
    )
    numbers = forms.ChoiceField(choices=[(1, 1000), (2, 2.5)])


def both(form, name):
    field = form[name]
    django_html = field.as_widget()
    form.renderer = renderers.renderer
    ours = field.as_widget()
    form.renderer = get_default_renderer()
    return django_html, ours


@pytest.mark.parametrize("data", [None, {"town": "a&b"}, {"town": "nee"}, {}])
@pytest.mark.parametrize("name", ["town", "optional", "grouped", "numbers"])
def test_select_is_written_as_django_writes_it(settings, data, name):
    """Selected or not, required, invalid (aria-invalid), escaped labels and values,
    lazy and safe labels; option groups and numbers go to Django's templates."""
    settings.USE_THOUSAND_SEPARATOR = True
    form = Filters(data)
    form.is_valid()
    django_html, ours = both(form, name)
    assert ours == django_html
    assert "<select" in ours


def test_renderer_writes_the_select_itself_for_plain_choices():
    """The renderer does its work: the plain select is not rendered by a template."""
    widget = Filters()["town"]
    context = widget.field.widget.get_context("town", "a&b", {"id": "id_town"})
    assert renderers.select_html(context["widget"]).startswith(
        '<select name="town" class="utrecht-select" data-x="a&quot;b" id="id_town"'
    )
    grouped = Filters()["grouped"].field.widget.get_context("grouped", "1", {})
    assert renderers.select_html(grouped["widget"]) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [None, {"owner": "999999"}, {"priority": "first"}, {"status": ["done"]}]
)
def test_action_filter_selects_are_written_as_django_writes_them(data):
    plan, reader = dashboard_plan()
    dashboard_actions(plan, 8)
    request = RequestFactory().get("/")
    request.user = reader
    if data and data.get("priority") == "first":
        data = {"priority": str(plan.priorities.order_by("id").first().pk)}
    filterset = ActionFilterSet(data, queryset=Action.objects.all(), request=request)
    narrow_choices(filterset, plan, None)
    form = filterset.form
    fetch_choices_at_once(form)
    form.is_valid()
    for name in ("municipality", "owner", "priority", "meeting", "unplanned"):
        django_html, ours = both(form, name)
        assert ours == django_html, name
    form.fields["status"].widget = forms.CheckboxSelectMultiple(
        choices=form.fields["status"].choices
    )
    tags = {}
    for renderer in (get_default_renderer(), renderers.renderer):
        form.renderer = renderer
        status = forms.BoundField(form, form.fields["status"], "status")
        tags[renderer] = [choice.tag() for choice in status]
    assert tags[renderers.renderer] == tags[get_default_renderer()]
    assert len(tags[renderers.renderer]) == len(Status)
