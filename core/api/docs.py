"""`SwaggerUIView` serves Swagger UI under the strict content security policy (script-src and
style-src 'self'): its init script is loaded from a separate URL (`?script`), the page has no
inline script or style, and its assets come from drf-spectacular-sidecar's static files."""

from django.template import engines
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.renderers import TemplateHTMLRenderer

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
