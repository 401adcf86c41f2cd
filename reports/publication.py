"""Publishing a plan on the public site: /plannen/<pk>/publicatie/ (issue 18).

Publishing is a choice of who may change the whole plan (the beheerder, or an officer
of all its municipalities: ivp/access.py); others get 403, and a plan they may not see
404. Taking a plan off is immediate: the public pages ask `Plan.published` on every
request, and their cache keys hold the plan's version (reports/public.py).
"""

import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ivp import access
from ivp.versioning import StaleVersion, VersionedFormMixin
from policies.models import Plan

from . import public


class PublicationForm(VersionedFormMixin, forms.ModelForm):
    """Whether the plan is public, under which licence, and which parts."""

    use_required_attribute = False
    licence = forms.ChoiceField(
        label=gettext_lazy("Licence of the figures"),
        choices=Plan._meta.get_field("licence").choices,
        help_text=gettext_lazy("Anyone may reuse the published figures under it."),
        widget=forms.Select(attrs={"class": "utrecht-select"}),
    )

    class Meta:
        model = Plan
        fields = [
            "published",
            "licence",
            "public_priorities",
            "public_agreements",
            "public_actions",
            "public_indicators",
            "version",
        ]
        help_texts = {
            "published": gettext_lazy(
                "Residents see the chosen parts without logging in. Progress texts "
                "only where an update is marked public; never names of persons."
            ),
        }

    def save(self, commit=True):
        plan = super().save(commit=False)
        # The form put the new choice on the instance already; set_published compares
        # with what was stored to keep or set the moment of publishing.
        plan.published = self.initial.get("published", False)
        plan.set_published(self.cleaned_data["published"])
        if commit:
            plan.save()
        return plan


@login_required
def publication_page(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=pk)
    if not access.can(request.user, access.CHANGE, plan):
        raise PermissionDenied
    # The form works on a copy: a refused form leaves the page stating what is stored.
    form = PublicationForm(request.POST or None, instance=copy.copy(plan))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = form.save()
            except StaleVersion as conflict:
                form.add_error(None, str(conflict))
            else:
                if plan.published:
                    messages.success(request, _("The plan is published."))
                else:
                    messages.success(request, _("The plan is no longer public."))
                return redirect("reports:publication", plan.pk)
        status = 400
    public_url = None
    municipality = plan.municipalities.order_by("name").first()
    if plan.published and municipality is not None:
        public_url = f"/openbaar/{public.municipality_slug(municipality)}/{plan.slug}/"
    return render(
        request,
        "reports/publication.html",
        {"plan": plan, "form": form, "public_url": public_url},
        status=status,
    )
