"""A URLconf with a view that fails, to prove the 500 page (used by tests/test_pages.py)."""

from django.urls import path

from ressursvenner.urls import handler500, urlpatterns


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [*urlpatterns, path("boom/", boom)]
__all__ = ["handler500", "urlpatterns"]
