"""Admin plumbing that routes every admin page through the permission rule (ivp/access.py)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic

from . import access
from .versioning import (
    StaleVersion,
    VersionedFormMixin,
    VersionedModel,
    m2m_ids,
    stored_version,
)

NOT_ALLOWED = _(
    "You may not save this here: it belongs to a plan or action of another organisation."
)


def _perm(opts, verb):
    return f"{opts.app_label}.{verb}_{opts.model_name}"


class HistoryAccessMixin:
    """The history pages ("Geschiedenis") ask the permission rule as change forms do.

    django-simple-history checks only *view* permission, on the old version rather than
    the object as it is now, and its revert form saves on POST: without this, whoever
    may see an object could write any old version's form, with values of their own, onto
    it. Here a GET needs view permission on the object as it is now, a POST change
    permission on it (the form then checks the values it writes, as the change form
    does); what the user may not see is 404 whether it exists or not.
    """

    def _history_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_or_change_permission(request, obj):
            return obj
        if obj is None and access.is_beheerder(request.user):
            return None  # a deleted object's history: the beheerder's to see
        raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._history_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._history_object(request, object_id)
        if request.method != "POST":
            return super().history_form_view(
                request, object_id, version_id, extra_context
            )
        if obj is None:
            raise Http404  # nothing to revert: the object is gone
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            with transaction.atomic():
                return super().history_form_view(
                    request, object_id, version_id, extra_context
                )
        except StaleVersion as exc:
            messages.error(request, str(exc))
            return redirect(request.get_full_path())


def history_access_everywhere(site) -> None:
    """Every admin of the site answers its history pages through HistoryAccessMixin,
    the libraries' admins too (users, groups, API tokens, axes' sign-in logs).

    Django's own history view answers an id that does not exist with its "does not
    exist" redirect, but an existing one the user may not see with 403: any signed-in
    user could tell which accounts, tokens and log entries exist
    (tests/test_url_matrix.py). Run once the admin modules are loaded.
    """
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, HistoryAccessMixin):
            admin_class = type(model_admin)
            guarded = type(
                admin_class.__name__,
                (HistoryAccessMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
            site.unregister(model)
            site.register(model, guarded)


class RevertFormMixin:
    """The form of an old version (the admin's revert): it shows that version, links
    included, and saves it as a change of the object as it is now."""

    def __init__(self, *args, instance=None, initial=None, **kwargs):
        record = to_historic(instance) if instance is not None else None
        if record is not None:
            # django-simple-history rebuilds the row, not its links.
            links = {
                field.name: sorted(m2m_ids(record, field))
                for field in record._history_m2m_fields
            }
            initial = {**links, **(initial or {})}
            if isinstance(instance, VersionedModel):
                # The old record's version is history: the revert is a change of the
                # version stored now, and is refused only if that one changes meanwhile.
                instance.version = stored_version(instance) or instance.version
        super().__init__(*args, instance=instance, initial=initial, **kwargs)


class ScopedAdminMixin(HistoryAccessMixin):
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
            fieldsets = [
                (name, {**options, "fields": [*options["fields"], "version"]}),
                *rest,
            ]
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
        if obj is not None and to_historic(obj) is not None:
            form_class = type(form_class.__name__, (RevertFormMixin, form_class), {})

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
                    self.add_error(
                        None, ValidationError(NOT_ALLOWED, code="not_allowed")
                    )

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
        return super().has_add_permission(request, obj) and self._parent_changeable(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_changeable(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_changeable(
            request, obj
        )


# --- accounts: Django's user and group admin, made accessible ---------------------------


class AccessibleUserAdmin(UserAdmin):
    """Django's user admin without the two widgets that fail WCAG 2.1 AA: the
    two-list filter (an aria-label on a span that has no role) becomes a plain labelled
    multiple choice, and the split date-time fields of the last login and the day the
    account was made (inputs without a label) are shown, not asked: the system sets
    them."""

    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")


class AccessibleGroupAdmin(GroupAdmin):
    filter_horizontal = ()


for model, model_admin in ((User, AccessibleUserAdmin), (Group, AccessibleGroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
