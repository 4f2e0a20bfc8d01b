from rest_framework.pagination import PageNumberPagination


class BoundedPageNumberPagination(PageNumberPagination):
    """Page numbers with a page size the caller may choose, up to a hard bound."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
