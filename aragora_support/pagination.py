"""Page-number pagination that costs what the page costs.

DRF's PageNumberPagination runs COUNT(*) over the whole filtered set on every request, which
for staff means every ticket there is (7 ms at 100k tickets, growing with the table). Here a
page reads `page_size + 1` rows to know whether a next page exists; the exact total is
computed only when the client asks for it with `?count=true`.
"""
import re
from collections import OrderedDict

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: int() would take "１２" and " 12 "
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class PageSizePagination(BasePagination):
    page_size = 50
    max_page_size = 200
    # Deeper than this, OFFSET pagination costs more than any client should ask of it (and the
    # offset of page 9223372036854775807 overflowed PostgreSQL's bigint: a 500).
    max_page = 1_000_000
    page_query_param = "page"
    page_size_query_param = "page_size"
    count_query_param = "count"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        params = request.query_params
        self.page_size_value = self._number(params, self.page_size_query_param, self.page_size, self.max_page_size)
        self.page = self._number(params, self.page_query_param, 1, self.max_page)
        want_count = self._flag(params, self.count_query_param)
        offset = (self.page - 1) * self.page_size_value
        rows = list(queryset[offset:offset + self.page_size_value + 1])
        if not rows and self.page > 1:
            raise NotFound("Invalid page: past the last page.")
        self.has_next = len(rows) > self.page_size_value
        self.count = queryset.count() if want_count else None
        return rows[: self.page_size_value]

    # A value outside the documented range is a 400 naming the range, never silently replaced:
    # a client asking for 500 rows and getting 200 would think it had them all.
    @staticmethod
    def _number(params, name, default, maximum):
        raw = params.get(name)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
            raise ValidationError({name: [f"Must be a whole number from 1 to {maximum}."]})
        return int(raw)

    @staticmethod
    def _flag(params, name):
        raw = params.get(name, "false").lower()
        if raw not in _TRUE | _FALSE:
            raise ValidationError({name: ["Must be true or false."]})
        return raw in _TRUE

    def _link(self, page):
        url = self.request.build_absolute_uri()
        if "?" not in url:  # no query to keep or replace (the plain list): spare parsing one
            return url if page == 1 else f"{url}?{self.page_query_param}={page}"
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_paginated_response(self, data):
        body = OrderedDict()
        if self.count is not None:
            body["count"] = self.count
        body["next"] = self._link(self.page + 1) if self.has_next and self.page < self.max_page else None
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
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
             "description": f"Page number, from 1 to {self.max_page}; past the last page is a 404."},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
             "description": f"Results per page (default {self.page_size}, at most {self.max_page_size})."},
            {"name": self.count_query_param, "in": "query", "required": False, "schema": {"type": "boolean"},
             "description": "Include the exact total as `count` (costs a COUNT over the matches)."},
        ]
