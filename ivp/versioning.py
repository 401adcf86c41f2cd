"""No lost updates: optimistic locking with a version number.

Each save of a versioned object bumps its version with a conditional UPDATE, so two
people who started from the same version cannot both save: the second gets a clear
message saying who changed what, their own input stays in the form, and saving again
applies only what they changed on top of the newer version.

Every version is in the object's history (django-simple-history), whatever made it: the
history record of the version a user started from is what tells, on a conflict, what
others changed since and what the user changed themselves.
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import get_m2m_reverse_field_name

# Bookkeeping, not content: never named in a conflict.
UNTOLD_FIELDS = ["version", "updated_at", "created_at"]


class StaleVersion(Exception):
    """Someone saved the object after the version this save started from."""


class VersionedModel(models.Model):
    """Abstract base for objects several people edit (actions, plans, meetings, ...)."""

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


def stored_version(instance) -> int | None:
    """The version in the database now (None when the object is gone)."""
    return (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )


def versions_since(instance, version: int) -> list:
    """The history record of each version from `version` on, oldest first.

    A save with many-to-many changes leaves several records of one version (the row,
    then each change of its links): the last one is that version as it was left. The
    first record returned is the version the user started from, or, for a version that
    has no record of its own (saved before every version was recorded), the newest
    version before it.
    """
    history = instance.history.all()
    start = (
        history.filter(version__lte=version)
        .order_by("-version", "-history_date", "-history_id")
        .first()
    )
    if start is None:
        return []
    later = (
        history.filter(version__gt=start.version)
        .order_by("version", "history_date", "history_id")
        .select_related("history_user")
    )
    last_of_version = {}
    for record in later:
        last_of_version[record.version] = record
    return [start, *last_of_version.values()]


def m2m_ids(record, field) -> set:
    """The ids a many-to-many field linked to in one history record."""
    return set(
        getattr(record, field.name).values_list(
            get_m2m_reverse_field_name(field), flat=True
        )
    )


def display_value(field, value) -> str:
    """A field's value in words: names rather than ids, labels rather than codes."""
    if field.many_to_many:
        ids = value  # a set of ids
        if not ids:
            return "—"
        names = sorted(
            str(obj) for obj in field.related_model._base_manager.filter(pk__in=ids)
        )
        return ", ".join(names) if names else "—"
    if value is None or value == "":
        return "—"
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        text = str(related) if related is not None else str(value)
    elif field.choices:
        text = str(dict(field.flatchoices).get(value, value))
    elif isinstance(value, bool):
        text = gettext("yes") if value else gettext("no")
    elif hasattr(value, "year") and hasattr(value, "month"):
        text = formats.date_format(value, "SHORT_DATE_FORMAT")
    else:
        text = str(formats.localize(value))
    return text if len(text) <= 120 else text[:119] + "…"


def _changed_lines(model, old, new) -> list[str]:
    """'title: from "A" to "B"' for every field that differs between two records."""
    delta = new.diff_against(old, excluded_fields=UNTOLD_FIELDS)
    m2m_names = {field.name for field in model._meta.many_to_many}
    lines = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        if change.field in m2m_names:
            # The rows of the link table, e.g. [{"action": 94, "organisation": 8}].
            target = get_m2m_reverse_field_name(field)
            before = {row[target] for row in change.old}
            after = {row[target] for row in change.new}
        else:
            before, after = change.old, change.new
        lines.append(
            gettext("%(field)s: from “%(old)s” to “%(new)s”")
            % {
                "field": field.verbose_name,
                "old": display_value(field, before),
                "new": display_value(field, after),
            }
        )
    return lines


def conflict_message(instance, since_version: int) -> str:
    """'Jan changed this on 3 June: title from "A" to "B"; ...' since a given version.

    One sentence per person, in the order they saved: several people may have saved
    since the user started.
    """
    model = type(instance)
    model_name = model._meta.verbose_name
    records = versions_since(instance, since_version)
    parts = []
    # Consecutive versions by the same person make one sentence.
    groups: list[list] = []
    for record in records[1:]:
        if groups and groups[-1][-1].history_user_id == record.history_user_id:
            groups[-1].append(record)
        else:
            groups.append([record])
    before = records[0] if records else None
    for group in groups:
        newest = group[-1]
        who = (
            newest.history_user.get_username()
            if newest.history_user
            else gettext("someone")
        )
        when = formats.date_format(newest.history_date, "DATETIME_FORMAT")
        head = gettext(
            "%(who)s changed this %(model)s on %(when)s, after you started editing."
        ) % {"who": who, "model": model_name, "when": when}
        lines = _changed_lines(model, before, newest)
        parts.append(
            head
            + (
                " " + gettext("Changed:") + " " + "; ".join(lines) + "."
                if lines
                else ""
            )
        )
        before = newest
    if not parts:
        parts.append(
            gettext("Someone changed this %(model)s after you started editing.")
            % {"model": model_name}
        )
    tail = gettext(
        "Your input is still in the form: check it against the change and save again "
        "to apply it (version %(version)s)."
    ) % {"version": stored_version(instance)}
    return " ".join([*parts, tail])


class VersionedFormMixin:
    """ModelForm mixin: carries the version the user started from, refuses a stale save.

    On a conflict the form is shown again with the user's own changes and, in every field
    they left alone, the newer stored value: saving again applies only what this user
    changed and never puts back what someone else changed meanwhile.
    """

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
        current = stored_version(instance)
        if current is not None and submitted != current:
            message = conflict_message(instance, submitted)
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current
            self._keep_newer_values(submitted)
            raise forms.ValidationError(message, code="stale_version")
        return cleaned

    def _keep_newer_values(self, started_from: int) -> None:
        """Put the stored value back into every field this user left as it was."""
        records = versions_since(self.instance, started_from)
        if not records:
            return  # no record of what the user saw: leave their input as it is
        model = type(self.instance)
        then = records[0]
        stored = model._base_manager.get(pk=self.instance.pk)
        history_m2m = {field.name for field in then._history_m2m_fields}
        for name, form_field in self.fields.items():
            if (
                name == "version"
                or form_field.disabled
                or name not in self.cleaned_data
            ):
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            submitted = self.cleaned_data[name]
            if field.many_to_many:
                if name not in history_m2m:
                    continue
                old = m2m_ids(then, field)
                submitted = {obj.pk for obj in submitted or ()}
                new = set(getattr(stored, name).values_list("pk", flat=True))
                value = sorted(new)
            else:
                old = getattr(then, field.attname)
                if isinstance(submitted, models.Model):
                    submitted = submitted.pk
                new = getattr(stored, field.attname)
                value = new
            if submitted != old or new == old:
                continue  # the user's own change, or nobody else's
            key = self.add_prefix(name)
            if field.many_to_many:
                self.data.setlist(key, [str(pk) for pk in value])
            else:
                self.data[key] = (
                    "" if value is None else form_field.prepare_value(value)
                )
