"""The officer's forms outside the admin: an action, its progress, an agreement's result.

Each form offers only what its user may choose (the querysets go through
`visible_to`, the rule of ivp/access.py) and asks `access.may_save` before anything is
written, as the admin's ScopedForm does. Status and percentage are not on the action's
form: they follow the latest progress update (Action.refresh_from_progress).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ivp import access
from ivp.periods import parse_typed_deadline, typed_period
from ivp.versioning import VersionedFormMixin
from policies.models import Organisation, Plan, Priority, Result

from .models import Action, Meeting, ProgressUpdate

# A typed deadline must name its year: "september" alone would silently mean this year.
_HAS_YEAR = re.compile(r"\b\d{4}\b|\b\d{1,2}-\d{1,2}-\d{2}\b")
DEADLINE_HELP = _("E.g. 15-09-2021, september 2021, Q3 2021 or 2021; empty for none.")


def organisation_choices(user, plan: Plan, action: Action | None = None):
    """The organisations an action in `plan` can name as trekker or partner: the plan's
    municipalities and partners, the user's own organisations, and whoever the action
    already names (so that saving never drops them unseen). Organisations are reference
    data everyone may see (OrganisationQuerySet.visible_to); a missing partner is added
    by a beheerder."""
    condition = (
        Q(plans=plan)
        | Q(partner_in_plans=plan)
        | Q(pk__in=access.organisation_ids(user))
    )
    if action is not None and action.pk is not None:
        condition |= Q(owned_actions=action) | Q(partner_in_actions=action)
    ids = Organisation.objects.filter(condition).values("pk")
    return Organisation.objects.visible_to(user).filter(pk__in=ids).order_by("name")


class ActionForm(VersionedFormMixin, forms.ModelForm):
    """Create or change an action of one plan, as an officer may."""

    # Checked on the server, in Dutch; no browser marks an untouched field invalid.
    use_required_attribute = False

    deadline_typed = forms.CharField(
        label=_("Deadline"), required=False, max_length=100, help_text=DEADLINE_HELP
    )

    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "priority",
            "owners",
            "owner_role",
            "partners",
            "portfolio_holder",
            "budget",
            "deadline_meeting",
            "meetings",
            "unplanned",
            "version",
        ]
        labels = {
            "deadline_meeting": _("Or deadline: a meeting of this plan"),
            "description": _("Explanation"),
            "owners": _("Owners (trekker)"),
            "owner_role": _("Owner's role"),
            "meetings": _("Report at meeting"),
            "unplanned": _("Unplanned: added during the year"),
        }
        help_texts = {
            "owners": _("The organisations that carry out the action."),
            "portfolio_holder": _("A role, e.g. Burgemeester; no names of persons."),
            "owner_role": _("A role such as 'voorzitter WIV'; no names of persons."),
            "budget": _("In euros, e.g. 12500 or 12500,50."),
            "unplanned": "",  # the label says it
            "deadline_meeting": _(
                "E.g. “before the driehoek of 9 September”: the deadline moves when "
                "the meeting does. Leave the typed deadline empty."
            ),
        }
        localized_fields = ["budget"]
        widgets = {
            "title": forms.TextInput(attrs={"class": "utrecht-textbox"}),
            "description": forms.Textarea(
                attrs={"class": "utrecht-textarea", "rows": 5}
            ),
            "priority": forms.Select(attrs={"class": "utrecht-select"}),
            "owners": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
            "owner_role": forms.TextInput(attrs={"class": "utrecht-textbox"}),
            "portfolio_holder": forms.TextInput(attrs={"class": "utrecht-textbox"}),
            "budget": forms.TextInput(
                attrs={"class": "utrecht-textbox", "inputmode": "decimal"}
            ),
            "meetings": forms.CheckboxSelectMultiple,
            "deadline_meeting": forms.Select(attrs={"class": "utrecht-select"}),
        }

    field_order = [
        "title",
        "description",
        "priority",
        "owners",
        "owner_role",
        "partners",
        "portfolio_holder",
        "deadline_typed",
        "deadline_meeting",
        "budget",
        "meetings",
        "unplanned",
    ]

    def __init__(self, *args, user, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.plan = user, plan
        action = self.instance
        self.fields["priority"].queryset = (
            Priority.objects.visible_to(user).filter(plan=plan).order_by("sort_key")
        )
        self.fields["priority"].empty_label = None if action.pk else "—"
        organisations = organisation_choices(user, plan, action)
        self.fields["owners"].queryset = organisations
        self.fields["partners"].queryset = organisations
        self.fields["meetings"].queryset = (
            Meeting.objects.visible_to(user).filter(plans=plan).order_by("date", "pk")
        )
        self.fields["deadline_meeting"].queryset = self.fields["meetings"].queryset
        self.fields["deadline_meeting"].empty_label = _("— none: the typed deadline —")
        self.fields["deadline_typed"].widget.attrs["class"] = "utrecht-textbox"
        if action.pk is not None:
            # Whether an action was planned is the plan's history, not an edit.
            del self.fields["unplanned"]
            if action.deadline_meeting_id is None:
                self.initial["deadline_typed"] = (
                    typed_period(action.deadline, action.deadline_precision)
                    or action.deadline_text
                )
        elif not self.is_bound and not self._manages_plan():
            # In a shared plan the officer's own organisation is the trekker.
            self.initial["owners"] = [
                o.pk
                for o in organisations
                if o.pk in access.officer_organisation_ids(user)
            ]

    def _manages_plan(self) -> bool:
        return access.managed_plans(self.user).filter(pk=self.plan.pk).exists()

    def clean_deadline_typed(self):
        text = self.cleaned_data["deadline_typed"].strip()
        if not text:
            return text
        try:
            typed = parse_typed_deadline(text, default_year=self.plan.start_year)
        except ValueError:
            raise ValidationError(
                _("“%(text)s” is not a date that exists."), params={"text": text}
            ) from None
        if typed.continuous:
            return text
        if typed.date is None or not _HAS_YEAR.search(text):
            raise ValidationError(
                _(
                    "Type a deadline with its year, e.g. 15-09-2021, september 2021, "
                    "Q3 2021 or 2021."
                )
            )
        return text

    def clean(self):
        cleaned = super().clean()
        meeting = cleaned.get("deadline_meeting")
        if meeting is not None:
            if cleaned.get("deadline_typed"):
                self.add_error(
                    "deadline_meeting",
                    _("Type a deadline or choose a meeting, not both."),
                )
            else:
                # Action.save() takes the meeting's day; the source's wording stays
                # only while the deadline is the meeting it named.
                if self.instance.deadline_meeting_id != meeting.pk:
                    self.instance.deadline_text = ""
        elif "deadline_typed" in cleaned:
            self._set_deadline(cleaned["deadline_typed"])
        return cleaned

    def _set_deadline(self, text: str) -> None:
        """Date and precision from what was typed. The source's wording ("as written")
        stays only while the deadline is the one it described."""
        action = self.instance
        typed = parse_typed_deadline(text, default_year=self.plan.start_year)
        if typed.continuous:
            action.deadline, action.deadline_precision = None, "day"
            action.deadline_text = text
            return
        new = (typed.date, typed.precision)
        if (action.deadline, action.deadline_precision) != new:
            action.deadline_text = ""
        action.deadline, action.deadline_precision = new

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        owners = self.cleaned_data.get("owners") or ()
        if not access.may_save(self.user, self.instance, owners=owners):
            names = ", ".join(
                o.name
                for o in self.fields["owners"].queryset
                if o.pk in access.officer_organisation_ids(self.user)
            )
            self.add_error(
                "owners",
                ValidationError(
                    _(
                        "In a plan you share with other municipalities you change only "
                        "the actions of your own organisation: keep %(names)s as "
                        "trekker."
                    ),
                    params={"names": names or "—"},
                    code="not_allowed",
                ),
            )

    def save(self, commit=True):
        action = super().save(commit=False)
        if action.pk is None and action.unplanned:
            action.added_on = timezone.localdate()
        if commit:
            action.save()
            self.save_m2m()
            # Other trekkers, other parts: the status sums up the parts anew.
            action.refresh_from_progress(by=self.user)
        return action


class ProgressForm(forms.ModelForm):
    """One progress update: status, percentage, date and what happened.

    The one form for progress outside the admin (the action's progress page and the
    one-line update on Mijn acties); saving it sets the action's status through
    ProgressUpdate.save() -> Action.refresh_from_progress(). For an action with several
    trekkers it asks whose part it reports: an officer's own organisation (the only
    choice when there is one), or, for whoever manages the plan, any trekker or the
    action as a whole; `access.may_save` decides.
    """

    use_required_attribute = False  # checked on the server, in Dutch

    class Meta:
        model = ProgressUpdate
        fields = ["organisation", "status", "percentage", "date", "text", "is_public"]
        labels = {
            "text": _("What happened?"),
            "organisation": _("For trekker"),
            "is_public": _("Show this text on the public page of a published plan"),
        }
        help_texts = {"date": _("Today, or the day it happened; not in the future.")}
        widgets = {
            "status": forms.Select(attrs={"class": "utrecht-select"}),
            "percentage": forms.NumberInput(
                attrs={"class": "utrecht-textbox", "min": 0, "max": 100}
            ),
            "date": forms.DateInput(
                attrs={"class": "utrecht-textbox", "type": "date"}, format="%Y-%m-%d"
            ),
            "text": forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 4}),
        }

    def __init__(self, *args, action: Action, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.action = action
        self.instance.author = user
        self._choose_organisation(action, user)
        today = timezone.localdate()
        # Empty means today: the one-line update on Mijn acties sends no date.
        self.fields["date"].required = False
        self.fields["date"].initial = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["status"].choices = [
            (value, label)
            for value, label in self.fields["status"].choices
            if value  # a status is required: no empty choice
        ]

    def _choose_organisation(self, action: Action, user) -> None:
        if not action.is_shared:
            del self.fields["organisation"]
            return
        owners = sorted(action.owners.all(), key=lambda o: o.name)
        manages = access.manages_plan(user, action.priority.plan_id)
        own = [o for o in owners if o.pk in access.officer_organisation_ids(user)]
        choices = owners if manages else own
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in choices]
        ).order_by("name")
        field.widget.attrs["class"] = "utrecht-select"
        field.required = not manages
        field.empty_label = _("The whole action (all trekkers)") if manages else None
        # The choices from the owners already read (prefetched on Mijn acties), so a
        # list of forms asks no query per row; the queryset only checks what is sent.
        field.choices = [("", field.empty_label)] * manages + [
            (o.pk, o.name) for o in choices
        ]
        if own:
            self.initial.setdefault("organisation", own[0].pk)
            if not manages and len(own) == 1:
                # The officer's one organisation: shown, not chosen (and a one-line
                # update that does not send it still reports that part).
                field.disabled = True
            if not self.is_bound:
                part = next(p for p in action.parts() if p.organisation == own[0])
                self.initial["status"] = part.status

    def saved_message(self) -> str:
        """What the officer is told after saving: the action, whose part, the status."""
        update = self.instance
        params = {
            "action": update.action,
            "status": update.get_status_display(),
            "organisation": update.organisation,
        }
        if update.organisation_id is not None:
            return (
                _(
                    "Progress saved for “%(action)s”, the part of %(organisation)s: "
                    "%(status)s."
                )
                % params
            )
        return _("Progress saved for “%(action)s”: %(status)s.") % params

    def clean_date(self):
        day = self.cleaned_data.get("date") or timezone.localdate()
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return day

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        if not access.may_save(self.user, self.instance):
            self.add_error(
                "organisation" if "organisation" in self.fields else None,
                ValidationError(
                    _(
                        "You report the progress of your own organisation's part of "
                        "this action."
                    ),
                    code="not_allowed",
                ),
            )


class ResultForm(forms.ModelForm):
    """The achieved result of an agreement in one year of its plan."""

    # Checked on the server, in Dutch; no browser marks an untouched field invalid.
    use_required_attribute = False

    class Meta:
        model = Result
        fields = ["year", "assessment", "text"]
        widgets = {
            "assessment": forms.RadioSelect,
            "text": forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 5}),
        }

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        plan = agreement.priority.plan
        self.instance.agreement = agreement
        years = range(plan.start_year, plan.end_year + 1)
        self.fields["year"] = forms.TypedChoiceField(
            label=self.fields["year"].label,
            choices=[(year, year) for year in years],
            coerce=int,
            widget=forms.Select(attrs={"class": "utrecht-select"}),
        )
        assessment = self.fields["assessment"]
        assessment.required = True
        assessment.choices = [(v, label) for v, label in assessment.choices if v]
