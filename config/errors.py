"""Error pages: HTML for people, the API's JSON error body for anything under /api/."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request, page_not_found, server_error

from core.api.errors import error_body, too_large_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def refused(request, exception=None):
    """Django's own refusals before any view runs (a body past DATA_UPLOAD_MAX_MEMORY_SIZE, a
    bad Host header, ...): 413 or 400, in the API's error shape under /api/."""
    if isinstance(exception, RequestDataTooBig):
        if _is_api(request):
            return JsonResponse(too_large_body(), status=413)
        response = bad_request(request, exception)
        response.status_code = 413
        return response
    if _is_api(request):
        return JsonResponse(error_body("bad_request", _("Bad request.")), status=400)
    return bad_request(request, exception)


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
