"""JSON in, refused cleanly when it cannot be stored.

- Nesting deeper than `MAX_DEPTH` answers 400 (Python's decoder would raise RecursionError at
  about a thousand levels, which DRF does not catch: a 500).
- A NUL character anywhere (a value or a key) answers 400 naming the field: PostgreSQL cannot
  store it in text, and a lookup by code with one fails in the driver.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def json_strict_constant(name):
    raise ValueError(_("%(name)s is not valid JSON.") % {"name": name})


def _walk(value, path: str):
    """Yield (path, value, depth) for every node of a parsed JSON document, without recursion."""
    stack = [(path, value, 1)]
    while stack:
        where, node, depth = stack.pop()
        yield where, node, depth
        if isinstance(node, dict):
            for key, item in node.items():
                stack.append((f"{where}.{key}" if where else str(key), item, depth + 1))
                if isinstance(key, str) and "\x00" in key:
                    yield (f"{where}.{key}" if where else str(key)), key, depth + 1
        elif isinstance(node, list):
            for index, item in enumerate(node):
                stack.append((f"{where}[{index}]", item, depth + 1))


def refuse_nul_characters(data) -> None:
    """400 naming every field whose text holds a NUL character."""
    at_fault = sorted(
        {
            (where or "non_field").replace("\x00", "\\u0000")
            for where, node, _depth in _walk(data, "")
            if isinstance(node, str) and "\x00" in node
        }
    )
    if at_fault:
        message = _("Text may not contain the NUL character (\\u0000).")
        raise ValidationError({name: [message] for name in at_fault})


def refuse_deep_nesting(data) -> None:
    for _where, _node, depth in _walk(data, ""):
        if depth > MAX_DEPTH:
            raise ParseError(
                _("JSON nested more than %(max)d levels deep is not accepted.") % {"max": MAX_DEPTH}
            )


def read_bounded(stream) -> bytes:
    """The body, refused (RequestDataTooBig, answered 413) past DATA_UPLOAD_MAX_MEMORY_SIZE.

    DRF reads a JSON body straight from the request, so Django's own bound never applies.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestDataTooBig(_("The request body is larger than the server accepts."))
    return body


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = read_bounded(stream).decode(encoding)
            data = json.loads(text, parse_constant=json_strict_constant)
        except RecursionError:
            raise ParseError(
                _("JSON nested more than %(max)d levels deep is not accepted.") % {"max": MAX_DEPTH}
            ) from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
        refuse_deep_nesting(data)
        refuse_nul_characters(data)
        return data
