"""One error format for every 4xx of the API:

    {"error": {"code": "...", "message": "...", "field": "...", "fields": {"name": ["..."]}}}

`field` names the first input at fault (when there is one); `fields` lists every field error;
workflow refusals add `transition` and `reasons`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import ApplicationError


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error detail as {"members[0].date_of_birth": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else "non_field"
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        out[prefix or "non_field"] = [str(detail)]
    return out


def error_body(code, message, *, field=None, fields=None, **extra) -> dict:
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        fields = {exc.field: [str(exc.message)]} if exc.field else None
        extra = {k: v for k, v in exc.extra.items() if k != "errors"}
        return Response(
            error_body(exc.code, exc.message, field=exc.field, fields=fields, **extra),
            status=exc.status_code,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields), None)
        message = fields[first][0] if first else _("Invalid input.")
        response.data = error_body(
            "invalid", message, field=None if first == "non_field" else first, fields=fields
        )
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = getattr(exc, "detail", "")
    code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    if not isinstance(code, str):
        code = "error"
    response.data = error_body(code, detail)
    return response
