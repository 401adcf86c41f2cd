"""No lost updates: optimistic locking with a version number.

Each save of a versioned object bumps its version with a conditional UPDATE, so two
people who started from the same version cannot both save: the second gets a clear
message saying who changed what, their own input stays in the form, and saving again
applies it on top of the newer version.
"""

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class StaleVersion(Exception):
    """Someone saved the object after the version this save started from."""


class VersionedModel(models.Model):
    """Abstract base for objects that several people edit (actions, agreements, priorities)."""

    # Editable so that forms carry it (hidden) and construct_instance() puts the version
    # the user started from on the instance; save() then refuses it when it is stale.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            bumped = (
                type(self)
                ._base_manager.filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not bumped:
                raise StaleVersion(conflict_message(self, self.version))
            self.version += 1
            return super().save(*args, **kwargs)


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "year") and hasattr(value, "month"):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def conflict_message(instance, since_version: int) -> str:
    """'Jan changed this on 3 June: title from "A" to "B"; ...' since a given version."""
    history = getattr(instance, "history", None)
    current = type(instance)._base_manager.get(pk=instance.pk)
    lines = []
    if history is not None:
        records = list(history.filter(version__gte=since_version).order_by("history_date"))
        old = next((r for r in records if r.version == since_version), None)
        new = records[-1] if records else None
        if old is not None and new is not None and new.history_id != old.history_id:
            delta = new.diff_against(old, excluded_fields=["version", "updated_at"])
            for change in delta.changes:
                field = type(instance)._meta.get_field(change.field)
                lines.append(
                    gettext("%(field)s: from “%(old)s” to “%(new)s”")
                    % {
                        "field": field.verbose_name,
                        "old": _display(change.old),
                        "new": _display(change.new),
                    }
                )
            who = new.history_user.get_username() if new.history_user else gettext("someone")
            when = formats.date_format(new.history_date, "DATETIME_FORMAT")
            head = gettext(
                "%(who)s changed this %(model)s on %(when)s, after you started editing."
            ) % {"who": who, "model": type(instance)._meta.verbose_name, "when": when}
        else:
            head = gettext("Someone changed this %(model)s after you started editing.") % {
                "model": type(instance)._meta.verbose_name
            }
    else:  # pragma: no cover - every versioned model keeps history
        head = gettext("Someone changed this after you started editing.")
    tail = gettext(
        "Your input is still in the form: check it against the change and save again "
        "to apply it (version %(version)s)."
    ) % {"version": current.version}
    changes = (gettext("Changed:") + " " + "; ".join(lines) + ". ") if lines else ""
    return f"{head} {changes}{tail}"


class VersionedFormMixin:
    """ModelForm mixin: carries the version the user started from and refuses a stale save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].widget = forms.HiddenInput()
            self.fields["version"].required = False

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        submitted = cleaned.get("version")
        if submitted is None or instance._state.adding:
            # A new object, or a form without the field: nothing to compare against.
            cleaned["version"] = instance.version
            return cleaned
        current = (
            type(instance)
            ._base_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and submitted != current:
            message = conflict_message(instance, submitted)
            # Resubmitting this form applies the user's edit on top of the newer version.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current
            raise forms.ValidationError(message, code="stale_version")
        return cleaned
