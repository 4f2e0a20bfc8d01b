"""The one base class of every app's API classes.

`BaseApi` brings the access check (`ScopedRoleAccess`, reading the four attributes each class
declares: read_scope, read_roles, write_scope, write_roles; none are declared here, so a class
that forgets them refuses everyone), the strict JSON parser (core/api/parsers.py), answers to
OPTIONS, refusal of NUL characters in query parameters, and `validated(...)`. `ListApi` adds the
bounded page-numbered pagination, which the schema then documents as the page object (count,
next, previous, results) it is. `object_or_404` reads one row of a scoped queryset (404 past
PostgreSQL's bigint too).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView

from .metadata import AccessMetadata
from .pagination import BoundedPageNumberPagination
from .parsers import StrictJSONParser, refuse_nul_characters
from .permissions import ScopedRoleAccess

# Ids past PostgreSQL's bigint would fail in the database; they name no record (404).
MAX_ID = 2**63 - 1


def object_or_404(queryset: QuerySet, pk: int):
    """The row `pk` of `queryset` (already scoped to what the caller may see), else 404."""
    if pk > MAX_ID:
        raise NotFound()
    return get_object_or_404(queryset, pk=pk)


class BaseApi(GenericAPIView):
    permission_classes = [ScopedRoleAccess]
    parser_classes = [StrictJSONParser]
    metadata_class = AccessMetadata
    filter_backends: list = []
    pagination_class = None

    # Who may call (core/api/permissions.py). Nothing by default.
    read_scope: str | None = None
    read_roles: frozenset[str] = frozenset()
    write_scope: str | None = None
    write_roles: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_nul_characters(
            {
                key: values[0] if len(values) == 1 else values
                for key, values in request.query_params.lists()
            }
        )

    def validated(self, serializer_class, data, **kwargs) -> dict:
        """`data` parsed by `serializer_class` (400 naming each field at fault)."""
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ListApi(BaseApi):
    """A bounded, page-numbered list (core/api/pagination.py)."""

    pagination_class = BoundedPageNumberPagination

    def paginated(self, queryset, serializer_class, **kwargs):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True, **kwargs).data)
