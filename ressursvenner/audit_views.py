"""The log pages: who accessed what (the access log) and who changed what (the change history).

A coordinator reads the entries about her association's records; a national admin reads all.
Neither shows data: record type, id, who (by role and name while not pseudonymised), when.
"""

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import role_required
from accounts.models import AccessLog, Role
from matching.models import Match, Referral
from volunteers.models import Volunteer

SHOWN = 200


def _changes_for(request: HttpRequest):
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if request.membership.role == Role.NATIONAL_ADMIN:
        return entries[:SHOWN]
    types = ContentType.objects.get_for_models(Referral, Match, Volunteer)
    scoped = Q()
    for model in (Referral, Match, Volunteer):
        scoped |= Q(
            content_type=types[model],
            object_pk__in=_ids(model.objects.for_user(request.user)),
        )
    return entries.filter(scoped)[:SHOWN]


def _ids(queryset):
    from django.db.models import CharField
    from django.db.models.functions import Cast

    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    accesses = AccessLog.objects.for_user(request.user).select_related("actor")[:SHOWN]
    return render(
        request,
        "pages/audit_log.html",
        {"accesses": accesses, "changes": _changes_for(request), "shown": SHOWN},
    )
