"""A paginator for lists too long to count on every page load (the admin's ticket queue).

Django's admin counts the filtered list on each load to draw its pages: an exact COUNT(*) reads every
matching ticket, a cost that grows with the table on a page that must stay under 150 ms. This one
counts exactly while the list is short and estimates once it is long:

- when PostgreSQL's estimate of the rows (EXPLAIN, which reads no rows) is over ESTIMATE_ONLY_OVER:
  the estimate, with no count at all. The bounded count below still reads EXACT_UP_TO + 1 rows,
  and for a filter that only a row's own test can answer (a common search word walked along the
  queue, docs/search.md) that is tens of thousands of rows tested; an estimate ten times the
  exact limit is wrong by far more than planners are before it means a short list;
- up to EXACT_UP_TO rows: exact, by counting a subquery bounded to EXACT_UP_TO + 1 rows, so the
  count reads at most that many rows however long the list is;
- beyond: PostgreSQL's estimate of the rows the same query returns (EXPLAIN, which reads no rows),
  never less than EXACT_UP_TO + 1. The admin then shows "about" as many pages; a page past the
  real end is empty rather than an error. Other databases count exactly (the embedded demo's
  SQLite holds demo-sized data).
"""
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from .db import planner_rows

EXACT_UP_TO = 10_000
ESTIMATE_ONLY_OVER = 100_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list.order_by()
        if connections[queryset.db].vendor != "postgresql":
            return queryset.count()
        estimate = planner_rows(queryset)
        if estimate > ESTIMATE_ONLY_OVER:
            return estimate
        bounded = queryset[:EXACT_UP_TO + 1].count()
        if bounded <= EXACT_UP_TO:
            return bounded
        return max(estimate, bounded)
