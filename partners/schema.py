"""The OpenAPI schema says what partners.idempotency does: every POST of the API takes an
optional `Idempotency-Key` header and may answer 422 (the key was used with another request)
or 409 (a request with the key is still running). A drf-spectacular postprocessing hook, so no
API class has to remember it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .idempotency import HEADER


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_idempotency_key(result, generator, request, public):
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is None:
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("name") == HEADER for p in parameters):
            parameters.append(
                {
                    "in": "header",
                    "name": HEADER,
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": _(
                        "Any unique text: the same request sent again with the same key within "
                        "24 hours answers the first result instead of doing it twice."
                    ),
                }
            )
        responses = post.setdefault("responses", {})
        responses.setdefault(
            "400", _error(_("Invalid input, or an Idempotency-Key that is not 1-255 characters."))
        )
        responses.setdefault(
            "409", _error(_("A request with this Idempotency-Key is still being processed."))
        )
        responses.setdefault(
            "422", _error(_("This Idempotency-Key was used with a different request."))
        )
    return result
