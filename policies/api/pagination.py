"""Page-number pagination for every API list.

Its own module: DRF imports it at start-up, before the viewsets can be imported.
"""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """?page=2&page_size=100; the answer carries count, next, previous and results."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
