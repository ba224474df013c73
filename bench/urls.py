"""The benchmark's URLconf: every page of the project, plus the trivial view it measures the
pages against (never part of the product)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.urls import path

from accounts.models import User
from ressursvenner.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The least a logged-in page costs: the whole middleware stack (session, login, two-step
    gate, acting role), one query for its content and a template of a few lines."""
    name = User.objects.filter(pk=request.user.pk).values_list("first_name", flat=True).first()
    return HttpResponse(get_template("bench/floor.html").render({"name": name}))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *urlpatterns]
