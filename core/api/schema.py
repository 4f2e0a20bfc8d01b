"""The API's OpenAPI description: the error body, the OAuth2 scopes, and the docs pages.

- `ErrorSerializer` and `error_responses(...)` document the one error format of
  core/api/errors.py on every operation (`@extend_schema(responses={200: ..., **error_responses(
  400, 404)})`).
- `ScopedOAuth2Scheme` tells the schema which scope each operation needs from a partner's token,
  and `AccessAutoSchema` writes who may call it (roles, in `x-roles` and the description), both
  from `core.api.permissions.declared_access`, the declaration the permission enforces: an
  operation that refuses partner tokens offers no OAuth2 scope.
- The docs page is core/api/docs.py (imported by the URLs only: this module is loaded by
  DRF's settings, before drf-spectacular's views can be).
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.roles import Role

from .permissions import ScopedRoleAccess, declared_access


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable reason, e.g. invalid, not_found."))
    message = serializers.CharField(help_text=_("What went wrong, in words a person can act on."))
    field = serializers.CharField(
        required=False, help_text=_("The first input at fault, e.g. members[0].date_of_birth.")
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Every input at fault, with its messages."),
    )
    transition = serializers.CharField(
        required=False, help_text=_("The workflow step refused (409 only).")
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("Every condition of the step that does not hold (409 only)."),
    )
    existing = serializers.DictField(
        required=False,
        help_text=_(
            "A record sent again (409 duplicate): the record that exists (kind, id, label, "
            "url, api_url)."
        ),
    )
    duplicates = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text=_(
            "People a referral's members resemble (409 possible_duplicate): each member's "
            "path and the existing person."
        ),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: _("Invalid input: unknown or read-only field, wrong type, malformed JSON, bad page size."),
    401: _("No valid credentials: missing, expired or revoked token, or no session."),
    403: _("Not allowed: the token lacks the scope, or the role may not do this."),
    404: _("No such record among those the caller may see."),
    415: _("The body is not JSON (send Content-Type: application/json)."),
    409: _(
        "Conflict: a workflow step refused now (`reasons` says every condition that failed), "
        "or a record that exists already (`existing` names it)."
    ),
    413: _("The body is larger than the server accepts."),
}
# Every operation that takes a body may answer these, whatever its own list says.
BODY_ERRORS = (413, 415)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for `statuses`; 401 and 403 are always included."""
    wanted = sorted({401, 403, *statuses})
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in wanted
    }


def _uses_scoped_access(view) -> bool:
    return any(isinstance(p, ScopedRoleAccess) for p in view.get_permissions())


def access_text(access) -> str:
    labels = {role.value: str(role.label) for role in Role}
    staff = sorted(labels.get(r, r) for r in access.roles if r != Role.PARTNER_SYSTEM)
    text = str(_("Who may call: %(roles)s (signed in).")) % {"roles": ", ".join(staff) or "-"}
    if access.scope:
        text += " " + str(
            _("Partner systems with a token carrying the scope `%(scope)s`.")
            % {"scope": access.scope}
        )
    else:
        text += " " + str(_("Partner systems' tokens are refused."))
    return text


class AccessAutoSchema(AutoSchema):
    """Each operation says who may call it, from the declaration the permission reads."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None or not _uses_scoped_access(self.view):
            return operation
        access = declared_access(self.view, self.method)
        text = access_text(access)
        described = operation.get("description", "")
        operation["description"] = f"{described}\n\n{text}" if described else text
        operation["x-roles"] = sorted(access.roles)
        if "requestBody" in operation:
            for code in BODY_ERRORS:
                operation["responses"].setdefault(
                    str(code),
                    {
                        "description": str(ERROR_DESCRIPTIONS[code]),
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
        return operation


class ScopedOAuth2Scheme(OpenApiAuthenticationExtension):
    """OAuth2 client credentials, with each operation's scope taken from the view."""

    target_class = "oauth2_provider.contrib.rest_framework.OAuth2Authentication"
    name = "oauth2"
    priority = 1  # before drf-spectacular's own extension for django-oauth-toolkit

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        if not _uses_scoped_access(view):
            return {self.name: []}
        access = declared_access(view, auto_schema.method)
        if access.scope is None:
            return None
        return {self.name: [access.scope]}

    def get_security_definition(self, auto_schema):
        from oauth2_provider.scopes import get_scopes_backend

        return {
            "type": "oauth2",
            "description": str(
                _(
                    "Partner systems: client credentials grant at /o/token/ with the client id "
                    "and secret issued by the mission."
                )
            ),
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/o/token/",
                    "scopes": {k: str(v) for k, v in get_scopes_backend().get_all_scopes().items()},
                }
            },
        }


def document_throttling(result, generator, request, public):
    """Every throttled operation (core.api.throttling) documents its 429 and `Retry-After`.
    A drf-spectacular postprocessing hook, so no API class has to remember it."""
    import re

    def shape(path: str) -> str:  # path parameters are named differently on the way
        return re.sub(r"\{[^}]*\}", "{}", path)

    unthrottled = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        view_class = getattr(callback, "cls", None)
        if view_class is not None and not getattr(view_class, "throttle_classes", None):
            unthrottled.add((shape(path), method.lower()))
    too_many = {
        "description": str(_("Too many requests: wait the seconds in Retry-After.")),
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer", "minimum": 1},
                "description": str(_("Seconds to wait before calling again.")),
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if (shape(path), method) not in unthrottled and isinstance(operation, dict):
                operation.setdefault("responses", {})["429"] = too_many
    return result


def _idempotency_error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_idempotency_key(result, generator, request, public):
    """Every POST of the API takes an optional `Idempotency-Key` header (core.api.idempotency)
    and may answer 422 (the key was used with another request) or 409 (a request with the key
    is still running). A drf-spectacular postprocessing hook, so no API class has to remember
    it."""
    from .idempotency import HEADER as IDEMPOTENCY_HEADER

    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is None:
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
            parameters.append(
                {
                    "in": "header",
                    "name": IDEMPOTENCY_HEADER,
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": gettext(
                        "Any unique text: the same request sent again with the same key within "
                        "24 hours answers the first result instead of doing it twice."
                    ),
                }
            )
        responses = post.setdefault("responses", {})
        responses.setdefault(
            "400",
            _idempotency_error(
                gettext("Invalid input, or an Idempotency-Key that is not 1-255 characters.")
            ),
        )
        responses.setdefault(
            "409",
            _idempotency_error(
                gettext("A request with this Idempotency-Key is still being processed.")
            ),
        )
        responses.setdefault(
            "422",
            _idempotency_error(gettext("This Idempotency-Key was used with a different request.")),
        )
    return result
