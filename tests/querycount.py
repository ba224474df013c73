"""Query-count tests: a page asks the database the same number of questions whether the list
holds 3 rows or 30 (no query per row), and no more than the ceiling the national-scale issue sets.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

# A main page answers in at most this many queries (issue 15, "Targets").
PAGE_QUERY_CEILING = 15


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def assert_constant_queries(client, url: str, grow, *, ceiling: int = PAGE_QUERY_CEILING) -> int:
    """`grow(n)` adds n more of what the page lists. The page is read once with 3 of them and once
    with 30; both readings must take the same number of queries, at most `ceiling`. Returns the
    number, for a test that also pins it."""
    grow(3)
    client.get(url)  # warm: a first request may fill caches (content types, site) once
    few = queries_for(client, url)
    grow(27)
    many = queries_for(client, url)
    assert few == many, f"{url}: {few} queries with 3 rows, {many} with 30"
    assert many <= ceiling, f"{url}: {many} queries, the ceiling is {ceiling}"
    return many
