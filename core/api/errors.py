"""One error format for every 4xx of the API:

    {"error": {"code": "...", "message": "...", "field": "...", "fields": {"name": ["..."]}}}

`field` names the first input at fault (when there is one); `fields` lists every field error
(nested inputs as `members[0].date_of_birth`); workflow refusals (409) add `transition` and
`reasons`, every condition that failed, in words a caseworker can act on.

Sources, all answered the same way: the application's own errors (`core.errors`), DRF's
validation, parse, authentication and permission errors, Django's Http404 / PermissionDenied,
a model's DoesNotExist escaping a selector (404, never 500), and a body past
DATA_UPLOAD_MAX_MEMORY_SIZE (413; config.errors answers the same when Django refuses it first).
"""

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.dates import column_out_of_range, out_of_range_message
from core.errors import ApplicationError


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error detail as {"members[0].date_of_birth": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list's errors by position (DRF 3.15+)
                out.update(_flatten(value, f"{prefix}[{key}]"))
                continue
            name = key if key not in ("non_field_errors", "__all__") else "non_field"
            if prefix and name == "non_field":
                out.update(_flatten(value, prefix))
            else:
                out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
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


def _application_error_fields(exc: ApplicationError) -> dict[str, list[str]] | None:
    """Every field error of a service refusal, by its path in the input (core.errors)."""
    if not exc.field and not exc.extra.get("errors"):
        return None
    return exc.field_errors


def too_large_body() -> dict:
    return error_body(
        "request_too_large",
        _("The request body is larger than the server accepts (%(size)d bytes at most).")
        % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0},
    )


def exception_handler(exc, context):
    if isinstance(exc, IntegrityError) and (column := column_out_of_range(exc)):
        field = None if column == "non_field" else column
        return Response(
            error_body("out_of_range", out_of_range_message(), field=field),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, ApplicationError):
        extra = {k: v for k, v in exc.extra.items() if k != "errors"}
        return Response(
            error_body(
                exc.code,
                exc.message,
                field=exc.field,
                fields=_application_error_fields(exc),
                **extra,
            ),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() escaping a service: the same 400 as a serializer's refusal.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
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
