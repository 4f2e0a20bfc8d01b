"""Error pages: HTML for people, the API's JSON error body for anything under /api/."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, server_error

from core.api.errors import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return page_not_found(request, exception)


def failed(request):
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side; it has been logged.")),
            status=500,
        )
    return server_error(request)
