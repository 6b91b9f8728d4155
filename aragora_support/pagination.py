"""Page-number pagination that costs what the page costs.

DRF's PageNumberPagination runs COUNT(*) over the whole filtered set on every request, which
for staff means every ticket there is (7 ms at 100k tickets, growing with the table). Here a
page reads `page_size + 1` rows to know whether a next page exists; the exact total is
computed only when the client asks for it with `?count=true`.
"""
from collections import OrderedDict

from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageSizePagination(BasePagination):
    page_size = 50
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"
    count_query_param = "count"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_value = self._positive_int(request.query_params.get(self.page_size_query_param),
                                                  self.page_size, cap=self.max_page_size)
        self.page = self._positive_int(request.query_params.get(self.page_query_param), 1)
        offset = (self.page - 1) * self.page_size_value
        rows = list(queryset[offset:offset + self.page_size_value + 1])
        if not rows and self.page > 1:
            raise NotFound("Invalid page: past the last page.")
        self.has_next = len(rows) > self.page_size_value
        want_count = request.query_params.get(self.count_query_param, "").lower() in ("1", "true", "yes")
        self.count = queryset.count() if want_count else None
        return rows[: self.page_size_value]

    @staticmethod
    def _positive_int(raw, default, cap=None):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return default
        if value < 1:
            return default
        return min(value, cap) if cap else value

    def _link(self, page):
        url = self.request.build_absolute_uri()
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_paginated_response(self, data):
        body = OrderedDict()
        if self.count is not None:
            body["count"] = self.count
        body["next"] = self._link(self.page + 1) if self.has_next else None
        body["previous"] = self._link(self.page - 1) if self.page > 1 else None
        body["results"] = data
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "description": "Total matches; only with ?count=true."},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1}, "description": "Page number, from 1."},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
             "description": f"Results per page (default {self.page_size}, at most {self.max_page_size})."},
            {"name": self.count_query_param, "in": "query", "required": False, "schema": {"type": "boolean"},
             "description": "Include the exact total as `count` (costs a COUNT over the matches)."},
        ]
