"""Swagger 2.0 documents read as the equivalent OpenAPI 3.0 document.

The translation (documented in README "Swagger 2.0"), applied when the root document
says `swagger: "2.0"`:

- `definitions` → `components/schemas`, `parameters` → `components/parameters`,
  `responses` → `components/responses`, `securityDefinitions` →
  `components/securitySchemes` (`basic` → http basic); `$ref`s follow.
- A response `schema` → `content` with one entry per media type the operation
  `produces` (else the document's `produces`, else `application/json`);
  response `headers` get their `schema`.
- `x-nullable: true` → `nullable: true`; the 2.0 `discriminator: petType` (a string)
  → `{propertyName: petType}` (2.0 values are schema names: implicit mapping);
  `type: file` → `type: string, format: binary`.
- Non-body parameters get a `schema` from their `type`/`format`/`items`/`enum`;
  a `body` parameter becomes `requestBody` (`consumes`).
- `basePath` → `servers: [{url: basePath}]` and every operation's route is prefixed
  with it when probing (see `Spec.base_path`).

The result is a `TranslatedDocument`: its lines and JSON pointers still name the
2.0 file the user gave (`/components/schemas/Pet` reads back as `/definitions/Pet`),
so violations and errors point into that file. Pure: data in, data out.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .source import Document, pointer_join

__all__ = ["TranslatedDocument", "source_ref", "translate", "translate_schema"]

_REF_PREFIXES = (
    ("#/definitions/", "#/components/schemas/"),
    ("#/parameters/", "#/components/parameters/"),
    ("#/responses/", "#/components/responses/"),
)
_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
_SCHEMA_ONE = ("items", "additionalProperties", "not")
_PARAM_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)


@dataclass(frozen=True, slots=True)
class TranslatedDocument(Document):
    """A 2.0 document read as 3.0; pointers and lines map back to the 2.0 file."""

    renames: Mapping[str, str] = field(default_factory=dict)  # 3.0 prefix → 2.0

    def source_pointer(self, pointer: str) -> str:
        """The pointer in the 2.0 file for a pointer of the translated document."""
        probe = pointer
        while True:
            original = self.renames.get(probe)
            if original is not None:
                return original + pointer[len(probe) :]
            if not probe:
                return pointer
            probe = probe[: probe.rfind("/")]

    def line(self, pointer: str) -> int | None:
        return Document.line(self, self.source_pointer(pointer))


def is_swagger2(data: Any) -> bool:
    return isinstance(data, dict) and "swagger" in data


def translate(doc: Document) -> TranslatedDocument:
    """The OpenAPI 3.0 reading of a Swagger 2.0 document."""
    src = doc.data
    renames: dict[str, str] = {}
    out: dict[str, Any] = {"openapi": "3.0.3", "x-swagger": str(src.get("swagger"))}
    for key in ("info", "tags", "externalDocs", "security"):
        if key in src:
            out[key] = _refs(copy.deepcopy(src[key]))
    base = src.get("basePath")
    if isinstance(base, str) and base.strip("/"):
        out["servers"] = [{"url": "/" + base.strip("/")}]
    components: dict[str, Any] = {}
    for old, new in (
        ("definitions", "schemas"),
        ("parameters", "parameters"),
        ("responses", "responses"),
        ("securityDefinitions", "securitySchemes"),
    ):
        section = src.get(old)
        if isinstance(section, dict):
            components[new] = section
            renames[f"/components/{new}"] = f"/{old}"
    produces = _list(src.get("produces")) or ["application/json"]
    consumes = _list(src.get("consumes")) or ["application/json"]
    if "schemas" in components:
        components["schemas"] = {
            k: translate_schema(v) for k, v in components["schemas"].items()
        }
    if "parameters" in components:
        components["parameters"] = {
            k: _parameter(v, f"/components/parameters/{_esc(k)}", renames)
            for k, v in components["parameters"].items()
        }
    if "responses" in components:
        components["responses"] = {
            k: _response(v, produces, f"/components/responses/{_esc(k)}", renames)
            for k, v in components["responses"].items()
        }
    if "securitySchemes" in components:
        components["securitySchemes"] = {
            k: _security(v) for k, v in components["securitySchemes"].items()
        }
    if components:
        out["components"] = components
    out["paths"] = _paths(src.get("paths"), produces, consumes, renames)
    return TranslatedDocument(doc.uri, out, doc.lines, renames)


def _paths(
    paths: Any, produces: list[str], consumes: list[str], renames: dict[str, str]
) -> Any:
    if not isinstance(paths, dict):
        return paths
    out: dict[str, Any] = {}
    for path, item in paths.items():
        where = pointer_join("/paths", path)
        if not isinstance(item, dict):
            out[path] = item
            continue
        new_item: dict[str, Any] = {}
        for key, value in item.items():
            if key == "$ref":
                new_item[key] = _ref(value)
            elif key == "parameters" and isinstance(value, list):
                new_item[key] = _parameters(value, pointer_join(where, key), renames)
            elif isinstance(value, dict) and not key.startswith("x-"):
                new_item[key] = _operation(
                    value, produces, consumes, pointer_join(where, key), renames
                )
            else:
                new_item[key] = copy.deepcopy(value)
        out[path] = new_item
    return out


def _operation(
    op: dict[str, Any],
    produces: list[str],
    consumes: list[str],
    where: str,
    renames: dict[str, str],
) -> dict[str, Any]:
    produces = _list(op.get("produces")) or produces
    consumes = _list(op.get("consumes")) or consumes
    out: dict[str, Any] = {}
    for key, value in op.items():
        if key in ("produces", "consumes", "schemes"):
            continue
        if key == "parameters" and isinstance(value, list):
            params = _parameters(value, pointer_join(where, key), renames)
            body = [p for p in params if isinstance(p, dict) and p.get("in") == "body"]
            out[key] = [p for p in params if p not in body]
            if body:
                i = value.index(next(v for v in value if v.get("in") == "body"))
                out["requestBody"] = {
                    "required": bool(body[0].get("required")),
                    "content": {
                        mt: {"schema": body[0].get("schema", {})} for mt in consumes
                    },
                }
                for mt in consumes:
                    renames[
                        pointer_join(where, "requestBody", "content", mt, "schema")
                    ] = pointer_join(where, "parameters", i, "schema")
        elif key == "responses" and isinstance(value, dict):
            out[key] = {
                status: _response(
                    resp, produces, pointer_join(where, key, status), renames
                )
                for status, resp in value.items()
            }
        else:
            out[key] = _refs(copy.deepcopy(value))
    return out


def _parameters(params: list[Any], where: str, renames: dict[str, str]) -> list[Any]:
    return [
        _parameter(p, pointer_join(where, i), renames) for i, p in enumerate(params)
    ]


def _parameter(param: Any, where: str, renames: dict[str, str]) -> Any:
    if not isinstance(param, dict) or "$ref" in param:
        return _refs(copy.deepcopy(param))
    if param.get("in") == "body":
        return {**param, "schema": translate_schema(param.get("schema", {}))}
    out = {
        k: copy.deepcopy(v)
        for k, v in param.items()
        if k not in _PARAM_SCHEMA_KEYS and k not in ("collectionFormat",)
    }
    out["schema"] = translate_schema(
        {k: param[k] for k in _PARAM_SCHEMA_KEYS if k in param}
    )
    renames[pointer_join(where, "schema")] = where
    return out


def _response(
    resp: Any, produces: list[str], where: str, renames: dict[str, str]
) -> Any:
    if not isinstance(resp, dict) or "$ref" in resp:
        return _refs(copy.deepcopy(resp))
    out: dict[str, Any] = {"description": resp.get("description", "")}
    if "schema" in resp:
        schema = translate_schema(resp["schema"])
        out["content"] = {mt: {"schema": schema} for mt in produces}
        for mt in produces:
            renames[pointer_join(where, "content", mt, "schema")] = pointer_join(
                where, "schema"
            )
    headers = resp.get("headers")
    if isinstance(headers, dict):
        out["headers"] = {}
        for name, header in headers.items():
            h_where = pointer_join(where, "headers", name)
            if isinstance(header, dict):
                out["headers"][name] = {
                    **{k: v for k, v in header.items() if k == "description"},
                    "schema": translate_schema(
                        {k: v for k, v in header.items() if k in _PARAM_SCHEMA_KEYS}
                    ),
                }
                renames[pointer_join(h_where, "schema")] = h_where
    for key, value in resp.items():
        if key.startswith("x-"):
            out[key] = copy.deepcopy(value)
    return out


def _security(scheme: Any) -> Any:
    if not isinstance(scheme, dict):
        return scheme
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **_described(scheme)}
    if kind == "apiKey":
        return {
            k: scheme[k] for k in ("type", "name", "in", "description") if k in scheme
        }
    if kind == "oauth2":
        flow = {"implicit": "implicit", "password": "password"}.get(
            scheme.get("flow", ""), "authorizationCode"
        )
        if scheme.get("flow") == "application":
            flow = "clientCredentials"
        body = {k: scheme[k] for k in ("authorizationUrl", "tokenUrl") if k in scheme}
        body["scopes"] = scheme.get("scopes") or {}
        return {"type": "oauth2", "flows": {flow: body}, **_described(scheme)}
    return copy.deepcopy(scheme)


def _described(node: dict[str, Any]) -> dict[str, Any]:
    return {"description": node["description"]} if "description" in node else {}


def translate_schema(schema: Any) -> Any:
    """A 2.0 Schema Object as 3.0: x-nullable, discriminator string, type file."""
    if isinstance(schema, list):
        return [translate_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out[key] = _ref(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: translate_schema(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [translate_schema(v) for v in value]
        elif key in _SCHEMA_ONE:
            out[key] = translate_schema(value)
        elif key == "x-nullable":
            out[key] = value
            if value is True:
                out["nullable"] = True
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key == "type" and value == "file":
            out[key] = "string"
            out.setdefault("format", "binary")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _ref(value: Any) -> Any:
    if isinstance(value, str):
        for old, new in _REF_PREFIXES:
            if value.startswith(old):  # local refs; other files are read as they are
                return new + value[len(old) :]
    return value


def source_ref(value: str) -> str:
    """A translated local `$ref` (or pointer) as the 2.0 file wrote it."""
    for old, new in _REF_PREFIXES:
        for prefix_old, prefix_new in ((old, new), (old[1:], new[1:])):
            if value.startswith(prefix_new):
                return prefix_old + value[len(prefix_new) :]
    return value


def _refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (_ref(v) if k == "$ref" else _refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_refs(v) for v in node]
    return node


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
