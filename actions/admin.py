from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ivp import access
from ivp.admin import HistoryAccessMixin, ScopedAdminMixin, ScopedInlineMixin

from .exports import actions_dataset, dataset_response, progress_dataset
from .filtersets import ActionFilterSet
from .models import (
    Action,
    Meeting,
    ProgressUpdate,
    ReminderItem,
    ReminderMail,
    ReminderSettings,
)


def _autocomplete_for(request, model, field_name: str) -> bool:
    """Whether this is the admin's autocomplete for `model.field_name` (the parameters
    Django's AutocompleteJsonView reads)."""
    return (
        request.path.endswith("/autocomplete/")
        and request.GET.get("app_label") == model._meta.app_label
        and request.GET.get("model_name") == model._meta.model_name
        and request.GET.get("field_name") == field_name
    )


class MunicipalityFilter(admin.SimpleListFilter):
    """Actions a municipality owns (trekker), as `?municipality=` on the pages and API.

    The choices and the meaning are the shared FilterSet's (actions/filtersets.py).
    """

    title = _("municipality as trekker")
    parameter_name = "municipality"

    def lookups(self, request, model_admin):
        choices = ActionFilterSet.base_filters[self.parameter_name].queryset(request)
        return [(str(pk), name) for pk, name in choices.values_list("pk", "name")]

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen and chosen in {pk for pk, _name in self.lookup_choices}:
            definition = ActionFilterSet.base_filters[self.parameter_name]
            return definition.filter(queryset, chosen)
        return queryset


class PlanMunicipalityFilter(MunicipalityFilter):
    """Actions in plans of a municipality, whoever owns them (`?plan_municipality=`)."""

    title = _("municipality of the plan")
    parameter_name = "plan_municipality"


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = Action.objects.late().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class ProgressUpdateInlineForm(forms.ModelForm):
    """A row of progress, saved only where access.may_save allows it: an officer
    reports their own organisation's part of a shared action."""

    user = None  # set per request by ProgressUpdateInline.get_formset

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not self.has_changed() or self.user is None:
            return
        if not access.may_save(self.user, self.instance):
            self.add_error(
                "organisation",
                ValidationError(
                    _(
                        "You report the progress of your own organisation's part of "
                        "this action."
                    ),
                    code="not_allowed",
                ),
            )


class ProgressUpdateInline(ScopedInlineMixin, admin.TabularInline):
    model = ProgressUpdate
    # "For trekker": a shared action's part; empty for the action as a whole.
    fields = [
        "date",
        "organisation",
        "status",
        "percentage",
        "text",
        "is_public",
        "author",
    ]
    readonly_fields = ["author"]
    form = ProgressUpdateInlineForm
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            formset.form.__name__, (formset.form,), {"user": request.user}
        )
        return formset


@admin.register(Action)
class ActionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title_short",
        "plan",
        "priority_code",
        "owner_names",
        "deadline_marked",
        "status",
        "unplanned",
    ]
    list_filter = [
        ("priority__plan", admin.RelatedOnlyFieldListFilter),
        MunicipalityFilter,
        PlanMunicipalityFilter,
        ("owners", admin.RelatedOnlyFieldListFilter),
        "status",
        OverdueFilter,
        ("deadline", admin.DateFieldListFilter),
        "unplanned",
    ]
    list_select_related = ["priority__plan"]
    list_per_page = 100
    search_fields = ["title", "description", "item", "owner_role", "priority__title"]
    autocomplete_fields = [
        "priority",
        "agreement",
        "owners",
        "partners",
        "meetings",
        "deadline_meeting",
    ]
    date_hierarchy = "deadline"
    inlines = [ProgressUpdateInline]
    actions = ["export_xlsx", "export_csv"]
    # What an officer fills in comes first, in the order of the plan document; the status
    # comes last, beside the progress timeline (the inline below) that sets it.
    fieldsets = [
        (None, {"fields": ["priority", "agreement", "title", "description", "note"]}),
        (
            _("Who"),
            {
                "fields": [
                    "owners",
                    "owner_role",
                    "partners",
                    "internal_parties",
                    "portfolio_holder",
                ]
            },
        ),
        (
            _("When and how much"),
            {
                "fields": [
                    ("deadline", "deadline_precision"),
                    "deadline_meeting",
                    "meetings",
                    "budget",
                    ("unplanned", "added_on"),
                ]
            },
        ),
    ]
    # Left by the import of the plan document, shown as it was read; the beheerder's
    # import writes them, not this form.
    source_fieldset = (
        _("As in the source document"),
        {
            "classes": ["collapse"],
            "description": _(
                "Written by the import of the plan document; shown here as it was read."
            ),
            "fields": [
                "item",
                "parties_text",
                "budget_text",
                "deadline_text",
                "added_on_precision",
                "position",
            ],
        },
    )
    status_fieldset = (
        _("Status"),
        {
            "description": _(
                "The status and percentage follow the latest progress update: record "
                "progress below to change them."
            ),
            "fields": [("status", "percentage", "last_update_on")],
        },
    )
    source_fields = source_fieldset[1]["fields"]
    status_fields = ["status", "percentage", "last_update_on"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # A new action has no source document to show.
        if obj is not None:
            fieldsets.append(self.source_fieldset)
        return [*fieldsets, self.status_fieldset]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("owners")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Other trekkers, other parts: the status sums up the parts anew.
        form.instance.refresh_from_progress(by=request.user)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        if _autocomplete_for(request, ProgressUpdate, "action"):
            # Progress goes only on an action the user may change: the choice list says
            # so before the form is sent, not the refusal after it.
            queryset = queryset.changeable_by(request.user)
        return queryset, may_have_duplicates

    @admin.action(description=_("Export selected actions to Excel"))
    def export_xlsx(self, request, queryset):
        return dataset_response(
            actions_dataset(queryset), basename="acties", file_format="xlsx"
        )

    @admin.action(description=_("Export selected actions to CSV"))
    def export_csv(self, request, queryset):
        return dataset_response(
            actions_dataset(queryset), basename="acties", file_format="csv"
        )

    def get_readonly_fields(self, request, obj=None):
        # The status changes only through progress (ProgressUpdate.save sets it).
        return [*self.status_fields, *self.source_fields]

    def save_formset(self, request, form, formset, change):
        for update in formset.save(commit=False):
            if update.author_id is None:
                update.author = request.user
            update.save()
        for update in formset.deleted_objects:
            update.delete()
        formset.save_m2m()

    @admin.display(description=_("title"), ordering="title")
    def title_short(self, obj):
        return str(obj)

    @admin.display(description=_("plan"), ordering="priority__plan__title")
    def plan(self, obj):
        return obj.priority.plan

    @admin.display(description=_("priority"), ordering="priority__sort_key")
    def priority_code(self, obj):
        return obj.priority.code or obj.priority.title

    @admin.display(description=_("owners (trekker)"))
    def owner_names(self, obj):
        names = [o.name for o in obj.owners.all()]
        if obj.owner_role:
            names.append(obj.owner_role)
        return ", ".join(names)

    @admin.display(description=_("deadline"), ordering="deadline")
    def deadline_marked(self, obj):
        label = obj.deadline_display or obj.deadline_text
        if obj.is_late():
            return format_html(
                '<span class="ivp-overdue">{} <strong>{}</strong></span>',
                label,
                _("overdue"),
            )
        return label


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "action", "status", "percentage", "author"]
    list_filter = [
        "status",
        ("action__priority__plan", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["action", "author"]
    search_fields = ["text", "action__title"]
    autocomplete_fields = ["action"]
    readonly_fields = ["author"]
    date_hierarchy = "date"
    actions = ["export_xlsx", "export_csv"]

    @admin.action(description=_("Export selected progress to Excel"))
    def export_xlsx(self, request, queryset):
        return dataset_response(
            progress_dataset(queryset), basename="voortgang", file_format="xlsx"
        )

    @admin.action(description=_("Export selected progress to CSV"))
    def export_csv(self, request, queryset):
        return dataset_response(
            progress_dataset(queryset), basename="voortgang", file_format="csv"
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "action":
            # As the autocomplete offers (ActionAdmin.get_search_results).
            formfield.queryset = Action.objects.changeable_by(request.user)
        return formfield

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(Meeting)
class MeetingAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "body", "date", "preparation_deadline", "action_count"]
    list_filter = ["body", ("plans", admin.RelatedOnlyFieldListFilter), "date"]
    search_fields = ["title", "notes", "plans__title"]
    autocomplete_fields = ["municipalities", "plans"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(action_count=Count("actions"))

    @admin.display(description=_("actions to report"), ordering="action_count")
    def action_count(self, obj):
        return obj.action_count


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(HistoryAccessMixin, admin.ModelAdmin):
    list_display = ["user", "frequency"]
    list_filter = ["frequency"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
    exclude = ["feed_token"]


class ReminderItemInline(admin.TabularInline):
    model = ReminderItem
    fields = ["action", "reason", "meeting"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ReminderMail)
class ReminderMailAdmin(HistoryAccessMixin, admin.ModelAdmin):
    """The log of sent reminder digests (read-only): who was asked what, when."""

    list_display = ["date", "user", "sent_at"]
    list_filter = ["date"]
    search_fields = ["user__username"]
    date_hierarchy = "date"
    inlines = [ReminderItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
