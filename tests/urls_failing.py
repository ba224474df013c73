"""A URLconf with views that fail, to prove the 500 page (tests/test_pages.py) and the error
mail to ADMINS (tests/security/test_error_reports.py)."""

from django.urls import path

from ressursvenner.urls import handler500, urlpatterns


def boom(request):
    raise RuntimeError("boom")


def boom_quoting(request):
    """Fails with the posted values in the exception's message, as a database error quoting
    the row would; the view's local variables hold them too."""
    note = request.POST.get("note", "")
    try:
        raise LookupError(f"lookup of {request.GET.get('q')} failed")
    except LookupError as cause:
        raise ValueError(f"could not save {note!r}\nDETAIL:  Key (note)=({note})") from cause


urlpatterns = [
    *urlpatterns,
    path("boom/", boom),
    path("boom/quoting/", boom_quoting, name="boom_quoting"),
]
__all__ = ["handler500", "urlpatterns"]
