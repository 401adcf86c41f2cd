"""What every API resource shares: the permission rule, validation, error answers.

It lives here (policies is the app every other app builds on) so that actions/api only
declares its serializers and viewsets. Nothing here decides who may do what: that is
ivp/access.py, asked through `visible_to`, `has_perm` and `may_save`, exactly as the
admin asks it (ivp/admin.py).
"""

from collections.abc import Mapping
from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import (
    exceptions,
    filters,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ivp import access
from ivp.admin import NOT_ALLOWED
from ivp.pagecache import CachedReads
from ivp.versioning import StaleVersion, VersionedModel, conflict_message

VERBS = {
    "GET": access.VIEW,
    "HEAD": access.VIEW,
    "OPTIONS": access.VIEW,
    "POST": access.ADD,
    "PUT": access.CHANGE,
    "PATCH": access.CHANGE,
    "DELETE": access.DELETE,
}


def perm_name(model, verb: str) -> str:
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This object was changed by someone else.")
    default_code = "conflict"


def api_conflict_message(instance, since_version: int) -> str:
    """The admin's conflict message (who changed what), with the advice an API client
    needs instead of the form's ("your input is still in the form")."""
    message = conflict_message(instance, since_version)
    current = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list("version", flat=True)
    ).first()
    # The same source string as ivp/versioning.py; should it ever change, the message
    # simply keeps the form's wording.
    form_advice = gettext(
        "Your input is still in the form: check it against the change and save again "
        "to apply it (version %(version)s)."
    ) % {"version": current}
    api_advice = gettext(
        "Nothing was saved. Check your change against this one and send it again with "
        "version %(version)s."
    ) % {"version": current}
    return message.replace(form_advice, api_advice)


class PreconditionFailed(Conflict):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    """A change that does not say which version it starts from could silently
    overwrite someone else's: it is refused (RFC 6585)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Nothing was saved: say which version you are changing. Send the version you "
        "read as “version”, or its ETag in an If-Match header."
    )
    default_code = "precondition_required"


def require_version(request) -> None:
    """A PUT or PATCH of a versioned object names its version, in the body or If-Match.

    `If-Match: *` ("whatever is there now") names none: it is what lost updates are
    made of.
    """
    data = request.data
    if isinstance(data, Mapping) and data.get("version") not in (None, ""):
        return
    if if_match_version(request) is None:
        raise PreconditionRequired()


def if_match_version(request) -> int | None:
    """The version in an If-Match header ("3" or W/"3", as our ETag), if any."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed(
            _("If-Match must hold the version of the object, as its ETag gives it.")
        )
    return int(value)


class RulePermission(permissions.BasePermission):
    """has_perm of the one rule: model level per request, object level per object."""

    message = NOT_ALLOWED

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if (view.lookup_url_kwarg or view.lookup_field) in view.kwargs:
            # One object: decided per object, after get_object() has answered 404 for
            # what the user may not see (a refusal must not reveal that it exists).
            return True
        return user.has_perm(perm_name(view.queryset.model, VERBS[request.method]))

    def has_object_permission(self, request, view, obj):
        return request.user.has_perm(perm_name(type(obj), VERBS[request.method]), obj)


THROTTLED = _("Too many requests. Try again later.")
UNREADABLE = _("The request could not be read. Send valid JSON.")
CSRF_FAILED = _(
    "Nothing was saved: the security code (CSRF) of this session is missing or "
    "wrong. Reload the page and try again, or use a token."
)


def exception_handler(exc, context):
    """DRF's exception handler (settings.REST_FRAMEWORK), with Dutch details that name
    nothing internal. Errors DRF does not handle (a lost database) go on to Django's
    handler500, ivp.errors.server_error."""
    if isinstance(exc, Http404):
        # "No Meeting matches the given query." names the model; an object the user
        # may not see must read the same as one that does not exist.
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(UNREADABLE)  # not the parser's English message
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith(
        "CSRF Failed"
    ):
        # DRF's SessionAuthentication words this in English, with Django's reason.
        exc = exceptions.PermissionDenied(CSRF_FAILED)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.Throttled):
        # DRF appends an untranslated "Expected available in N seconds."; the wait
        # is in the Retry-After header that DRF sets.
        response.data = {"detail": THROTTLED}
    return response


def _condition_fields(condition) -> list[str]:
    names = []
    for child in condition.children:
        if isinstance(child, Q):
            names.extend(_condition_fields(child))
        else:
            names.append(child[0].split(LOOKUP_SEP)[0])
    return names


def constraint_field(model, message: str, fields=None, preferred=None) -> str | None:
    """The field a constraint's message is about, so a script can show it beside that
    field: the one `preferred` names for the constraint, else the last field of the
    constraint the client sends ("year" of agreement + year)."""
    for constraint in model._meta.constraints:
        if str(constraint.get_violation_error_message()) != message:
            continue
        if preferred and constraint.name in preferred:
            return preferred[constraint.name]
        # A unique constraint's fields; a check constraint's, those of its condition
        # (a unique constraint's condition only says when it applies).
        names = list(getattr(constraint, "fields", ()) or ())
        condition = getattr(constraint, "condition", None)
        if not names and condition is not None:
            names = _condition_fields(condition)
        candidates = [n for n in names if fields is None or n in fields]
        if candidates:
            return candidates[-1]
    return None


def drf_errors(error: DjangoValidationError, serializer=None, model=None):
    """A model ValidationError as DRF's {field: [messages]}, every message under the
    field it is about: a constraint's under its field (constraint_field), a model field
    the serializer calls otherwise under the serializer's name for it. Only what names
    no field stays under non_field_errors."""
    key = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(error, "error_dict"):
        return {key: error.messages}
    fields = set(serializer.fields) if serializer is not None else None
    aliases = getattr(serializer, "error_fields", {}) if serializer else {}
    preferred = getattr(serializer, "constraint_fields", {}) if serializer else {}
    if model is None and serializer is not None:
        model = serializer.Meta.model
    result: dict[str, list] = {}
    for field, messages in error.message_dict.items():
        for message in messages:
            name = aliases.get(field, field)
            if field == "__all__":
                name = (
                    model and constraint_field(model, message, fields, preferred)
                ) or key
            result.setdefault(name, []).append(message)
    return result


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend that refuses a query parameter it does not know: a
    typing error (`?nam=Epe`) or a filter that does not exist (`?slug=` where there
    is none) must not answer every row as if it were obeyed."""

    def filter_parameters(self, queryset, view) -> set[str]:
        """The query parameters the view's FilterSet reads."""
        names = set()
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            for name, filter_ in filterset_class.base_filters.items():
                # A range filter reads name_after and name_before (SuffixedMultiWidget).
                # The widget class, not filter_.field: building the field here would
                # cache it on the class, without the request its choices depend on.
                widget = filter_.extra.get("widget") or filter_.field_class.widget
                suffixes = getattr(widget, "suffixes", None) or [""]
                names |= {"_".join(filter(None, (name, s))) for s in suffixes}
        return names

    def allowed_parameters(self, request, queryset, view) -> set[str]:
        allowed = {api_settings.URL_FORMAT_OVERRIDE}
        allowed |= self.filter_parameters(queryset, view)
        for backend in getattr(view, "filter_backends", ()):
            for attr in ("ordering_param", "search_param"):
                if hasattr(backend, attr):
                    allowed.add(getattr(backend, attr))
        paginator = getattr(view, "paginator", None)
        for attr in ("page_query_param", "page_size_query_param"):
            if getattr(paginator, attr, None):
                allowed.add(getattr(paginator, attr))
        return allowed

    def filter_queryset(self, request, queryset, view):
        allowed = self.allowed_parameters(request, queryset, view)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            message = _(
                "Unknown query parameter: nothing was filtered. This list knows "
                "%(names)s."
            ) % {"names": ", ".join(sorted(allowed))}
            raise exceptions.ValidationError({name: [message] for name in unknown})
        if not self.filter_parameters(queryset, view) & set(request.query_params):
            # No filter asked: every filter would pass the list on unchanged, so the
            # form that checks the parameters is not built (its fields and their
            # choices are made per request, a sixth of an unfiltered API list's time).
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(filters.OrderingFilter):
    """DRF's ordering, refusing a field it cannot sort on instead of ignoring it (a
    script asking ?ordering=deadlne must not get the default order as if obeyed)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            if len(valid) < len(fields):
                names = [
                    name
                    for name, _label in self.get_valid_fields(
                        queryset, view, {"request": request}
                    )
                ]
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _(
                                "This list cannot be sorted on that. It can be sorted "
                                "on %(names)s (with a minus sign for descending)."
                            )
                            % {"names": ", ".join(names)}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related choices limited to what the user sees; the model's own validation (clean,
    constraints) run before saving; a save is refused where the admin refuses it."""

    # Model field -> the serializer field an error about it is shown under.
    error_fields: dict[str, str] = {}
    # Constraint name -> the field its message is about, where the last one is not.
    constraint_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        for field in self.fields.values():
            child = getattr(field, "child_relation", field)
            queryset = getattr(child, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                # Narrowed when the field is asked for its choices (to check a value
                # sent, or to offer them in the browsable API's form), which is
                # through get_queryset(); not for every serializer made, as a list
                # that only shows ids would narrow every relation for nothing.
                child.get_queryset = partial(_visible, queryset, request.user)

    class Meta:
        # Constraint validators of DRF would duplicate (in English wording) what the
        # model's full_clean() says with the constraint's own Dutch message.
        validators = []

    def _m2m_names(self):
        return {f.name for f in self.Meta.model._meta.many_to_many}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        m2m_names = self._m2m_names()
        instance = self.instance
        if instance is not None:
            self._check_version(instance, attrs.get("version"))
            if isinstance(instance, VersionedModel):
                header = if_match_version(self.context["request"])
                if header is not None:
                    self._check_version(instance, header, exception=PreconditionFailed)
            candidate = model._base_manager.get(pk=instance.pk)
        else:
            candidate = model()
        for name, value in attrs.items():
            if name not in m2m_names:
                setattr(candidate, name, value)
        if isinstance(candidate, VersionedModel) and instance is not None:
            candidate.version = instance.version
        try:
            candidate.full_clean(validate_unique=True, validate_constraints=True)
        except DjangoValidationError as error:
            raise serializers.ValidationError(drf_errors(error, self)) from error

        def m2m(name):
            if name in attrs:
                return attrs[name]
            if instance is not None and name in m2m_names:
                return list(getattr(instance, name).all())
            return ()

        user = self.context["request"].user
        if not access.may_save(
            user,
            candidate,
            owners=m2m("owners"),
            municipalities=m2m("municipalities"),
            plans=m2m("plans"),
        ):
            raise exceptions.PermissionDenied(NOT_ALLOWED)
        return attrs

    def _check_version(self, instance, submitted, *, exception=Conflict):
        if not isinstance(instance, VersionedModel) or submitted is None:
            return
        current = (
            type(instance)
            ._base_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
        ).first()
        if current is not None and submitted != current:
            raise exception(api_conflict_message(instance, submitted))


def _visible(queryset, user):
    return queryset.visible_to(user)


def version_field():
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The version you started from. Send it back when changing (or send it as "
            "If-Match): without it the change is refused with 428; if someone saved "
            "in the meantime, with 409."
        ),
    )


class ScopedModelViewSet(CachedReads, viewsets.ModelViewSet):
    """A resource under the permission rule: unseen objects are 404, writes checked.
    Its lists and objects are read from the page cache while the plans the user sees
    are unchanged (ivp/pagecache.py)."""

    permission_classes = [RulePermission]
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    ordering_fields: list[str] = ["id"]

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)

    def check_object_permissions(self, request, obj):
        # After 404 (not visible) and 403 (not allowed), before any validation.
        super().check_object_permissions(request, obj)
        if request.method in ("PUT", "PATCH") and isinstance(obj, VersionedModel):
            require_version(request)

    def finalize_response(self, request, response, *args, **kwargs):
        # One versioned object: its version is its ETag, for If-Match on the next write.
        data = getattr(response, "data", None)
        if (
            self.detail
            and response.status_code == 200
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
        ):
            response["ETag"] = f'"{data["version"]}"'
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_create(self, serializer):
        # Several rows at once (the object and its many-to-many links): all or nothing.
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()

    def handle_exception(self, exc):
        if isinstance(exc, (ProtectedError, RestrictedError)):
            blockers = getattr(exc, "protected_objects", None) or exc.restricted_objects
            names = sorted({str(obj._meta.verbose_name_plural) for obj in blockers})
            exc = Conflict(
                _(
                    "This cannot be deleted: other data depends on it (%(what)s). "
                    "Delete or move that first."
                )
                % {"what": ", ".join(names)}
            )
        elif isinstance(exc, StaleVersion):
            exc = Conflict(str(exc))
        elif isinstance(exc, DjangoValidationError):
            exc = serializers.ValidationError(
                drf_errors(exc, model=self.queryset.model)
            )
        elif isinstance(exc, IntegrityError):
            exc = serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        _("This cannot be saved: it conflicts with other data.")
                    ]
                }
            )
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            set_rollback()
        return response
