"""One page of a long list: every list in the product shows at most `PAGE_SIZE` rows, with the
total and links to the other pages that keep the list's filters (templates/includes/pagination.html).
"""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50
PAGE_PARAMETER = "side"


def page_of(request: HttpRequest, rows, *, per_page: int = PAGE_SIZE) -> Page:
    """The page the query string asks for (`?side=N`); a number out of range or not a number
    gives the nearest page that exists, never an error. `rows` is a queryset (counted with one
    COUNT query, sliced with LIMIT/OFFSET) or a list."""
    return Paginator(rows, per_page).get_page(request.GET.get(PAGE_PARAMETER))
