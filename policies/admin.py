import base64

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from simple_history.admin import SimpleHistoryAdmin

from actions import importjobs
from actions.exports import actions_dataset, agreements_dataset, dataset_response
from actions.imports import (
    MAX_IMPORT_BYTES,
    ImportError_,
    check_size,
    programme_import,
)
from actions.models import Action, ImportJob
from ivp.admin import HistoryAccessMixin, ScopedAdminMixin, ScopedInlineMixin

from . import importjob_admin
from .models import (
    AgendaPriority,
    Agreement,
    Indicator,
    Measurement,
    Membership,
    Municipality,
    Organisation,
    Plan,
    Priority,
    Result,
    SafetyField,
    SafetyRegion,
    SafetyTheme,
    Target,
)
from .workbook_admin import workbook_import_status_view, workbook_import_view


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(SafetyRegion)
class SafetyRegionAdmin(HistoryAccessMixin, admin.ModelAdmin):
    """Reference data as the safety fields: everyone reads, the beheerder keeps it
    (a new CBS list comes as a migration; a merger between two lists by hand)."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(HistoryAccessMixin, admin.ModelAdmin):
    """The CBS list, searched by the autocomplete of an organisation's municipality."""

    list_display = ["name", "common_name", "cbs_code", "safety_region"]
    list_filter = ["safety_region"]
    list_select_related = ["safety_region"]
    search_fields = ["name", "common_name", "cbs_code"]


class OrganisationAdminForm(forms.ModelForm):
    """A municipality's name may be left empty: it is then its name in the CBS list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            self.fields["name"].required = False
            self.fields["name"].help_text = _(
                "Leave empty for a municipality to use its name in the CBS list."
            )

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality")
        if "name" in self.fields and not data.get("name"):
            if municipality is None:
                self.add_error("name", forms.Field.default_error_messages["required"])
            else:
                data["name"] = municipality.name
        return data


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "cbs_code",
        "safety_region",
        "police_unit",
        "police_district",
    ]
    list_filter = ["kind", "safety_region"]
    list_select_related = ["safety_region"]
    search_fields = ["name", "cbs_code"]
    # A municipality is chosen from the CBS list by name; its code and region follow.
    fields = [
        "kind",
        "municipality",
        "name",
        "cbs_code",
        "safety_region",
        "police_unit",
        "police_district",
        "description",
    ]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["cbs_code", "safety_region"]
    form = OrganisationAdminForm
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(HistoryAccessMixin, admin.ModelAdmin):
    """Who belongs to which organisation in which role: the beheerder's business."""

    list_display = ["user", "organisation", "role"]
    list_filter = ["role", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(SafetyField)
class SafetyFieldAdmin(HistoryAccessMixin, admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(SafetyTheme)
class SafetyThemeAdmin(HistoryAccessMixin, admin.ModelAdmin):
    """The themes of the VNG fields: reference data the beheerder keeps."""

    list_display = ["name", "field", "code"]
    list_filter = ["field"]
    list_select_related = ["field"]
    search_fields = ["name", "code"]


class PriorityInline(ScopedInlineMixin, admin.TabularInline):
    model = Priority
    fields = ["code", "title", "kind", "parent", "position"]
    autocomplete_fields = ["parent"]
    extra = 0
    show_change_link = True


class AgendaPriorityInline(ScopedInlineMixin, admin.TabularInline):
    model = AgendaPriority
    fields = ["level", "agenda", "title", "kind", "start_year", "end_year", "position"]
    extra = 0
    show_change_link = True


class IndicatorInline(ScopedInlineMixin, admin.TabularInline):
    model = Indicator
    fields = ["name", "unit", "source", "direction", "baseline_value", "baseline_year"]
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "period", "status", "municipality_names"]
    list_filter = [
        "kind",
        "status",
        ("municipalities", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "slug", "municipalities__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parent", "municipalities", "partners"]
    inlines = [AgendaPriorityInline, PriorityInline, IndicatorInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "parent", "status"]}),
        (
            _("Period and adoption"),
            {"fields": ["start_year", "end_year", "adopted_on", "adopted_by"]},
        ),
        (_("Who takes part"), {"fields": ["municipalities", "partners"]}),
        (_("Content"), {"fields": ["description"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("municipalities")

    def get_urls(self):
        own = [
            path(
                "werkboek-importeren/",
                self.admin_site.admin_view(self.workbook_import_view),
                name="policies_plan_workbook_import",
            ),
            path(
                "werkboek-importeren/stand/",
                self.admin_site.admin_view(self.workbook_import_status_view),
                name="policies_plan_workbook_import_status",
            ),
            path(
                "<path:object_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name="policies_plan_import",
            ),
            path(
                "<path:object_id>/import/stand/",
                self.admin_site.admin_view(self.import_status_view),
                name="policies_plan_import_status",
            ),
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="policies_plan_export",
            ),
        ]
        return own + super().get_urls()

    def workbook_import_view(self, request):
        """A whole plan from its workbook (policies/workbook_admin.py): the beheerder's."""
        return workbook_import_view(self, request)

    @method_decorator(require_GET)
    def workbook_import_status_view(self, request):
        """How a workbook import on the task queue stands (importjob_admin.py)."""
        return workbook_import_status_view(request)

    def export_view(self, request, object_id):
        plan = get_object_or_404(self.get_queryset(request), pk=object_id)
        file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
        return dataset_response(
            actions_dataset(Action.objects.for_plan(plan)),
            basename=plan.slug,
            file_format=file_format,
        )

    def _plan_to_import_into(self, request, object_id):
        plan = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, plan):
            raise PermissionDenied
        return plan

    @method_decorator(require_GET)
    def import_status_view(self, request, object_id):
        """How an import on the task queue stands, for its waiting page's script."""
        plan = self._plan_to_import_into(request, object_id)
        return importjob_admin.status(
            request, importjob_admin.find(request, ImportJob.Kind.PROGRAMME, plan)
        )

    def import_view(self, request, object_id):
        """Read a programme from a spreadsheet: preview first, save on confirmation.
        A large file is read by a worker (actions/importjobs.py) while the page waits."""
        plan = self._plan_to_import_into(request, object_id)
        session_key = f"ivp-import-{plan.pk}"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "plan": plan,
            "title": _("Import actions"),
            "max_mb": MAX_IMPORT_BYTES // 1024 // 1024,
        }
        if "taak" in request.GET:
            return importjob_admin.page(
                request,
                importjob_admin.find(request, ImportJob.Kind.PROGRAMME, plan),
                context,
                template="admin/policies/plan/import.html",
                status_url=reverse("admin:policies_plan_import_status", args=[plan.pk]),
                show=importjob_admin.programme_outcome,
                saved=importjob_admin.programme_saved,
            )
        if request.method == "POST":
            step = request.POST.get("step")
            try:
                if step == "preview" and "file" in request.FILES:
                    upload = request.FILES["file"]
                    # Before reading: an oversized upload never enters memory.
                    check_size(upload.size)
                    if importjobs.queued(upload.size):
                        job = importjobs.start(
                            ImportJob.Kind.PROGRAMME,
                            plan=plan,
                            data=upload.read(),
                            filename=upload.name,
                            user=request.user,
                        )
                        return redirect(f"{request.path}?taak={job.pk}")
                    data, filename = upload.read(), upload.name
                elif step == "confirm" and session_key in request.session:
                    stored = request.session[session_key]
                    data = base64.b64decode(stored["data"])
                    filename = stored["filename"]
                else:
                    return redirect(request.path)
                preview = programme_import(
                    plan=plan,
                    data=data,
                    filename=filename,
                    user=request.user,
                    create_organisations=bool(request.POST.get("create_organisations")),
                    commit=step == "confirm",
                )
            except ImportError_ as exc:
                context["error"] = str(exc)
                return TemplateResponse(
                    request, "admin/policies/plan/import.html", context
                )
            if preview.saved:
                request.session.pop(session_key, None)
                messages.success(
                    request,
                    _("Imported: %(new)s new and %(changed)s changed actions.")
                    % {"new": len(preview.creates), "changed": len(preview.updates)},
                )
                return redirect("admin:policies_plan_change", plan.pk)
            request.session[session_key] = {
                "data": base64.b64encode(data).decode(),
                "filename": filename,
            }
            context.update(preview=preview, filename=filename)
        return TemplateResponse(request, "admin/policies/plan/import.html", context)

    @admin.display(description=_("period"), ordering="start_year")
    def period(self, obj):
        return obj.period

    @admin.display(description=_("municipalities"))
    def municipality_names(self, obj):
        return ", ".join(m.name for m in obj.municipalities.all())


class AgreementInline(ScopedInlineMixin, admin.StackedInline):
    model = Agreement
    fields = [
        "text",
        "expected_result",
        ("planning", "planning_precision", "planning_text"),
        "owners",
        "partners",
        "position",
    ]
    autocomplete_fields = ["owners", "partners"]
    extra = 0
    show_change_link = True


class ActionInline(ScopedInlineMixin, admin.TabularInline):
    model = Action
    fields = [
        "title",
        "deadline",
        "deadline_precision",
        "status",
        "unplanned",
        "position",
    ]
    readonly_fields = ["status"]
    extra = 0
    show_change_link = True


class PriorityResultInline(ScopedInlineMixin, admin.TabularInline):
    model = Result
    fk_name = "priority"
    fields = ["year", "assessment", "text"]
    extra = 0


@admin.register(Priority)
class PriorityAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "plan", "kind", "parent"]
    list_filter = ["kind", ("plan", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["plan", "parent"]
    search_fields = ["code", "title", "plan__title"]
    autocomplete_fields = ["plan", "parent"]
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }
    inlines = [AgreementInline, ActionInline, PriorityResultInline]
    fieldsets = [
        (None, {"fields": ["plan", "parent", ("code", "position"), "title", "kind"]}),
        (_("Content"), {"fields": ["objective", "description", "attention_points"]}),
        (
            _("Alignment"),
            {
                "fields": [
                    "agenda_priorities",
                    "regional_alignment",
                    "national_alignment",
                    "safety_fields",
                    "safety_themes",
                ]
            },
        ),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        plan_id = obj.plan_id if obj is not None else None

        class AgendaOfItsPlanForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                agenda = self.fields.get("agenda_priorities")
                if agenda is not None and plan_id is not None:
                    # The agendas its own plan cites, not another plan's lists.
                    agenda.queryset = agenda.queryset.filter(plan=plan_id)

            def clean(self):
                data = super().clean()
                plan = data.get("plan")
                if plan is not None:
                    try:
                        Priority.check_agenda_priorities(
                            plan.pk, data.get("agenda_priorities") or ()
                        )
                    except ValidationError as error:
                        self.add_error(None, error)
                return data

        return AgendaOfItsPlanForm


@admin.register(AgendaPriority)
class AgendaPriorityAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "level", "agenda", "kind", "plan"]
    list_filter = ["level", "kind", ("plan", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["plan"]
    search_fields = ["title", "agenda", "plan__title"]
    autocomplete_fields = ["plan", "issuer"]
    fields = [
        "plan",
        "level",
        "agenda",
        "issuer",
        "title",
        "kind",
        ("start_year", "end_year"),
        "position",
    ]


class AgreementResultInline(ScopedInlineMixin, admin.TabularInline):
    model = Result
    fk_name = "agreement"
    fields = ["year", "assessment", "text"]
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "priority", "plan", "planning_display"]
    list_filter = [("priority__plan", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["priority__plan"]
    search_fields = ["text", "expected_result", "priority__title"]
    autocomplete_fields = ["priority", "owners", "partners"]
    inlines = [AgreementResultInline]
    actions = ["export_xlsx", "export_csv"]

    @admin.action(description=_("Export selected agreements to Excel"))
    def export_xlsx(self, request, queryset):
        return dataset_response(
            agreements_dataset(queryset), basename="afspraken", file_format="xlsx"
        )

    @admin.action(description=_("Export selected agreements to CSV"))
    def export_csv(self, request, queryset):
        return dataset_response(
            agreements_dataset(queryset), basename="afspraken", file_format="csv"
        )

    @admin.display(description=_("plan"), ordering="priority__plan__title")
    def plan(self, obj):
        return obj.priority.plan

    @admin.display(description=_("planning"), ordering="planning")
    def planning_display(self, obj):
        return obj.planning_text or obj.planning_display


class TargetInline(ScopedInlineMixin, admin.TabularInline):
    model = Target
    extra = 0


class MeasurementInline(ScopedInlineMixin, admin.TabularInline):
    model = Measurement
    fields = ["year", "period_type", "period_number", "value", "provisional", "note"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "plan", "unit", "source", "direction", "baseline_value"]
    list_filter = ["source", "direction", ("plan", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["plan"]
    search_fields = ["name", "area", "plan__title"]
    autocomplete_fields = ["plan", "priority"]
    inlines = [TargetInline, MeasurementInline]
