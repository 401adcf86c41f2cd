"""The API documentation page: the OpenAPI schema that drf-spectacular generates, read
as a page in the product's look.

Swagger UI (the sidecar's) failed WCAG 2.1 AA (axe: colour contrast, buttons inside
buttons, no page language) and cannot be fixed from outside its bundle; this page
shows the same schema, from the same generator as /api/schema/, as headings, lists and
tables, without a script.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"


@dataclass
class TypeText:
    """A schema type as words, with the data type it refers to (for a link)."""

    text: str
    ref: str = ""
    values: list[str] = field(default_factory=list)


def type_of(schema: dict | None) -> TypeText:
    """'integer', 'string (date)', 'array of Action', or an enum's values."""
    if not schema:
        return TypeText("")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return TypeText(name, ref=name)
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            parts = [type_of(part) for part in schema[combined]]
            known = [part for part in parts if part.text]
            if len(known) == 1:
                return known[0]
            return TypeText(" | ".join(part.text for part in known))
    kind = schema.get("type", "")
    if kind == "array":
        inner = type_of(schema.get("items"))
        return TypeText(
            _("list of %(type)s") % {"type": inner.text}, inner.ref, inner.values
        )
    text = f"{kind} ({schema['format']})" if schema.get("format") else kind
    values = [str(value) for value in schema.get("enum", []) if value not in ("", None)]
    return TypeText(text or _("any"), values=values)


@dataclass
class Field:
    name: str
    type: TypeText
    required: bool
    read_only: bool
    nullable: bool
    description: str


@dataclass
class DataType:
    name: str
    description: str
    fields: list[Field]
    values: list[str]


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    description: str
    parameters: list[dict]
    body: TypeText | None
    responses: list[tuple[str, str, TypeText]]


@dataclass
class Resource:
    name: str
    operations: list[Operation]


def _content_type(content: dict | None) -> TypeText | None:
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    return type_of(media.get("schema"))


def operations_of(schema: dict) -> list[Resource]:
    """Every operation, grouped per resource (/api/v1/<resource>/...), in schema order."""
    resources: dict[str, Resource] = {}
    for path, item in schema.get("paths", {}).items():
        name = path.strip("/").split("/")[2] if path.count("/") > 3 else path
        resource = resources.setdefault(name, Resource(name, []))
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                {
                    "name": parameter["name"],
                    "in": parameter.get("in", ""),
                    "required": parameter.get("required", False),
                    "type": type_of(parameter.get("schema")),
                    "description": parameter.get("description", ""),
                }
                for parameter in item.get("parameters", [])
                + operation.get("parameters", [])
            ]
            body = operation.get("requestBody")
            resource.operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    description=operation.get("description", "")
                    or operation.get("summary", ""),
                    parameters=parameters,
                    body=_content_type(body.get("content")) if body else None,
                    responses=[
                        (
                            code,
                            response.get("description", ""),
                            _content_type(response.get("content")) or TypeText(""),
                        )
                        for code, response in operation.get("responses", {}).items()
                    ],
                )
            )
    return list(resources.values())


def data_types_of(schema: dict) -> list[DataType]:
    types = []
    for name, definition in schema.get("components", {}).get("schemas", {}).items():
        required = set(definition.get("required", []))
        types.append(
            DataType(
                name=name,
                description=definition.get("description", ""),
                fields=[
                    Field(
                        name=field_name,
                        type=type_of(spec),
                        required=field_name in required,
                        read_only=bool(spec.get("readOnly")),
                        nullable=bool(spec.get("nullable")),
                        description=spec.get("description", "")
                        or spec.get("title", ""),
                    )
                    for field_name, spec in definition.get("properties", {}).items()
                ],
                values=type_of(definition).values,
            )
        )
    return types


@require_GET
def api_docs(request):
    """Public, as the schema is: it describes the API and holds no data. Generated
    without the request: the same for every visitor, like /api/schema/ for anyone."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "api/docs.html",
        {
            "title": _("API documentation"),
            "info": schema.get("info", {}),
            "security": schema.get("components", {}).get("securitySchemes", {}),
            "resources": operations_of(schema),
            "data_types": data_types_of(schema),
        },
    )
