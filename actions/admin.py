from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ivp.admin import HistoryAccessMixin, ScopedAdminMixin, ScopedInlineMixin
from policies.models import Organisation

from .exports import actions_dataset, dataset_response, progress_dataset
from .models import (
    Action,
    Meeting,
    ProgressUpdate,
    ReminderItem,
    ReminderMail,
    ReminderSettings,
)


class MunicipalityFilter(admin.SimpleListFilter):
    """Actions in plans of one municipality."""

    title = _("municipality")
    parameter_name = "municipality"

    def lookups(self, request, model_admin):
        return Organisation.objects.municipalities().values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(priority__plan__municipalities=self.value())
        return queryset


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


class ProgressUpdateInline(ScopedInlineMixin, admin.TabularInline):
    model = ProgressUpdate
    fields = ["date", "status", "percentage", "text", "author"]
    readonly_fields = ["author"]
    extra = 1


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
        ("owners", admin.RelatedOnlyFieldListFilter),
        "status",
        OverdueFilter,
        ("deadline", admin.DateFieldListFilter),
        "unplanned",
    ]
    list_select_related = ["priority__plan"]
    list_per_page = 100
    search_fields = ["title", "description", "item", "owner_role", "priority__title"]
    autocomplete_fields = ["priority", "agreement", "owners", "partners", "meetings"]
    date_hierarchy = "deadline"
    inlines = [ProgressUpdateInline]
    actions = ["export_xlsx", "export_csv"]
    fieldsets = [
        (None, {"fields": ["priority", "agreement", "item", "title", "description"]}),
        (
            _("Who"),
            {
                "fields": [
                    "owners",
                    "owner_role",
                    "partners",
                    "internal_parties",
                    "parties_text",
                    "portfolio_holder",
                ]
            },
        ),
        (
            _("When and how much"),
            {
                "fields": [
                    ("deadline", "deadline_precision"),
                    "deadline_text",
                    "meetings",
                    ("budget", "budget_text"),
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    ("status", "percentage", "last_update_on"),
                    ("unplanned", "added_on", "added_on_precision"),
                    "position",
                    "note",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("owners")

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
        # Once progress is reported, the status follows the latest update.
        if obj is not None and obj.progress_updates.exists():
            return ["status", "percentage", "last_update_on"]
        return ["last_update_on"]

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
