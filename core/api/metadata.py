"""What OPTIONS answers on every endpoint: the methods allowed and who may call each.

DRF's default describes the fields of `get_serializer()`, which our API classes (one small
serializer per operation, chosen in the method) do not have: it failed with a 500. The full
description of each operation is the OpenAPI schema (/api/schema/).
"""

from rest_framework.metadata import BaseMetadata

from .permissions import declared_access


class AccessMetadata(BaseMetadata):
    def determine_metadata(self, request, view):
        methods = [m for m in view.allowed_methods if m not in ("OPTIONS", "HEAD")]
        operations = {}
        for method in methods:
            access = declared_access(view, method)
            operations[method] = {"roles": sorted(access.roles), "token_scope": access.scope}
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "schema": "/api/schema/",
            "operations": operations,
        }
