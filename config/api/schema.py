"""The API's OpenAPI description: the error body, the OAuth2 scopes, and the docs pages.

- `ErrorSerializer` and `error_responses(...)` document the one error format of
  config/api/errors.py on every operation (`@extend_schema(responses={200: ..., **error_responses(
  400, 404)})`).
- `ScopedOAuth2Scheme` tells the schema which scope each operation needs from a partner's token,
  reading the same view attributes `config.api.permissions.ScopedRoleAccess` enforces.
- `SwaggerUIView` serves Swagger UI under the strict content security policy (script-src and
  style-src 'self'): its init script is loaded from a separate URL (`?script`), the page has no
  inline script or style, and its assets come from drf-spectacular-sidecar's static files.
"""

from django.template import engines
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import TemplateHTMLRenderer

from .permissions import ScopedRoleAccess


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
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for `statuses`; 401 and 403 are always included."""
    wanted = sorted({401, 403, *statuses})
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in wanted
    }


class ScopedOAuth2Scheme(OpenApiAuthenticationExtension):
    """OAuth2 client credentials, with each operation's scope taken from the view."""

    target_class = "oauth2_provider.contrib.rest_framework.OAuth2Authentication"
    name = "oauth2"
    priority = 1  # before drf-spectacular's own extension for django-oauth-toolkit

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        if not any(isinstance(p, ScopedRoleAccess) for p in view.get_permissions()):
            return {self.name: []}
        if auto_schema.method in SAFE_METHODS:
            scope = getattr(view, "read_scope", ScopedRoleAccess.read_scope)
        else:
            scope = getattr(view, "write_scope", ScopedRoleAccess.write_scope)
        if scope is None:
            return None
        return {self.name: [scope]}

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


# drf-spectacular's page, less its inline <style> block (blocked by style-src 'self'); the init
# script comes from `script_url` (this same view with ?script).
SWAGGER_UI_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <title>{{ title }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {% if favicon_href %}<link rel="icon" href="{{ favicon_href }}">{% endif %}
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{{ swagger_ui_bundle }}"></script>
    <script src="{{ swagger_ui_standalone }}"></script>
    <script src="{{ script_url }}"></script>
  </body>
</html>
"""


class _SwaggerPageRenderer(TemplateHTMLRenderer):
    """Renders the page above; the init script (?script) keeps drf-spectacular's template."""

    def resolve_template(self, template_names):
        if list(template_names) == [SwaggerUIView.template_name]:
            return engines["django"].from_string(SWAGGER_UI_PAGE)
        return super().resolve_template(template_names)


class SwaggerUIView(SpectacularSwaggerSplitView):
    renderer_classes = [_SwaggerPageRenderer]
