"""One log line per refused request, without a traceback.

Django logs every answer of 400 and over once on `django.request` ("Forbidden (Permission
denied): /cases/"), but attaches the exception's traceback to a refusal raised as an exception
(PermissionDenied, a bad Host header on `django.security.*`), and the development server logs the
same request again on `django.server`. A refusal (4xx) is the system working as meant: the
traceback says nothing an operator needs, and the repeated line doubles the noise. Server errors
(5xx) keep their traceback.
"""

from __future__ import annotations

import logging

SERVER_ERROR = 500


class RefusedRequestFilter(logging.Filter):
    """For a handler: drops the development server's repeat of a 4xx, and the traceback of a
    4xx logged by Django's request or security loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.server":
            # Already logged once on django.request (which sees every answer of 400 and over).
            return not (status is not None and 400 <= status < SERVER_ERROR)
        refused = (
            record.name == "django.request" and status is not None and status < SERVER_ERROR
        ) or (
            # A SuspiciousOperation (bad Host header, ...) is answered 400.
            record.name.startswith("django.security.")
        )
        if refused and record.exc_info:
            exc = record.exc_info[1]
            if exc is not None:
                record.msg = f"{record.msg} ({type(exc).__name__})"
            record.exc_info = None
            record.exc_text = None
        return True
