"""Admin plumbing that routes every admin page through the permission rule (ivp/access.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from . import access
from .versioning import StaleVersion, VersionedFormMixin, VersionedModel

NOT_ALLOWED = _(
    "You may not save this here: it belongs to a plan or action of another organisation."
)


def _perm(opts, verb):
    return f"{opts.app_label}.{verb}_{opts.model_name}"


class ScopedAdminMixin:
    """Changelists show what the user may see; change forms refuse what they may not change."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.has_perm(_perm(self.opts, "view"), obj) or user.has_perm(
            _perm(self.opts, "change"), obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "delete"), obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersion as exc:
            # A row edited inline (an action inside its priority) was changed meanwhile by
            # someone else. The admin's transaction is rolled back: nothing was half-saved.
            messages.error(request, str(exc))
            return redirect(request.get_full_path())

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if issubclass(self.model, VersionedModel) and self.fieldsets:
            # The version travels with the form (hidden) to detect concurrent edits.
            (name, options), *rest = fieldsets
            fieldsets = [(name, {**options, "fields": [*options["fields"], "version"]}), *rest]
        return fieldsets

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Bulk delete would bypass the per-object check; the beheerder keeps it.
        if not access.is_beheerder(request.user):
            actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.remote_field.model._default_manager
        if hasattr(manager, "visible_to"):
            kwargs["queryset"] = manager.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        manager = db_field.remote_field.model._default_manager
        if hasattr(manager, "visible_to"):
            kwargs["queryset"] = manager.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user
        if issubclass(self.model, VersionedModel):
            form_class = type(form_class.__name__, (VersionedFormMixin, form_class), {})

        class ScopedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                data = self.cleaned_data
                if not access.may_save(
                    user,
                    self.instance,
                    owners=data.get("owners") or (),
                    municipalities=data.get("municipalities") or (),
                    plans=data.get("plans") or (),
                ):
                    self.add_error(None, ValidationError(NOT_ALLOWED, code="not_allowed"))

        return ScopedForm


class ScopedInlineMixin:
    """Inline rows may be added, changed or deleted only when the parent may be changed."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if issubclass(self.model, VersionedModel) and "version" not in fields:
            fields = [*fields, "version"]  # hidden: detects rows changed meanwhile
        return fields

    def get_formset(self, request, obj=None, **kwargs):
        if issubclass(self.model, VersionedModel):
            kwargs["form"] = type(
                f"Versioned{self.form.__name__}", (VersionedFormMixin, self.form), {}
            )
        return super().get_formset(request, obj, **kwargs)

    def _parent_changeable(self, request, obj):
        if obj is None:
            return True
        return request.user.has_perm(_perm(obj._meta, "change"), obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_changeable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_changeable(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_changeable(
            request, obj
        )
