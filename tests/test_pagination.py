"""The shared page of a list (common/pagination.py and templates/includes/pagination.html)."""

from django.template.loader import render_to_string
from django.test import RequestFactory

from common.pagination import PAGE_SIZE, page_of


def _page(query: str, rows):
    request = RequestFactory().get("/liste/" + query)
    return request, page_of(request, rows)


def test_a_page_holds_page_size_rows_and_the_total():
    _request, page = _page("", list(range(120)))
    assert list(page) == list(range(PAGE_SIZE))
    assert page.paginator.count == 120
    assert page.paginator.num_pages == 3


def test_the_asked_page_and_nonsense_gives_a_page_that_exists():
    assert list(_page("?side=3", list(range(120)))[1]) == list(range(100, 120))
    assert _page("?side=99", list(range(120)))[1].number == 3
    assert _page("?side=abc", list(range(120)))[1].number == 1
    assert _page("?side=-1", list(range(120)))[1].number == 3


def test_page_links_keep_the_lists_filters():
    request, page = _page("?vis=lukket&q=Oslo&side=2", list(range(120)))
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert "Viser 51–100 av 120" in html
    assert 'href="?vis=lukket&amp;q=Oslo&amp;side=1"' in html
    assert 'href="?vis=lukket&amp;q=Oslo&amp;side=3"' in html
    assert "Side 2 av 3" in html


def test_one_page_shows_the_count_and_no_links():
    request, page = _page("", list(range(7)))
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert "Viser 1–7 av 7" in html
    assert "side=" not in html


def test_an_empty_list_shows_nothing():
    request, page = _page("", [])
    assert (
        render_to_string("includes/pagination.html", {"page": page}, request=request).strip() == ""
    )
