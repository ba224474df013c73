"""The log pages: who accessed what (the access log) and who changed what (the change history).

A coordinator reads the entries about her association's records; a national admin reads all.
Neither shows data: record type, id, who (by role and name while not pseudonymised), when.
Codes never reach the page: roles, record types and changed fields are shown in words.
"""

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import AccessLog, Role
from common.pagination import page_of
from matching.models import Concern, Match, Referral
from volunteers.models import Volunteer

# The change history's tab (`?vis=`); without it the page shows the access log.
CHANGES = "endringer"

# The access log's record types (the `object_type` the views log), in words.
RECORD_TYPES = {
    "referral": Referral._meta.verbose_name,
    "referral_safety_notes": _("referral, safety notes"),
    "match": Match._meta.verbose_name,
    "concern": Concern._meta.verbose_name,
    "volunteer": Volunteer._meta.verbose_name,
    "user": _("person"),
}

# Left out of a change's list of fields: identifiers and bookkeeping that change along with the
# fields that matter (who made the change is the entry's own "who").
FIELDS_NOT_LISTED = frozenset(
    {
        "id",
        "public_id",
        "created_at",
        "updated_at",
        "created_by",
        "proposed_by",
        "raised_by",
        "followed_up_by",
        "done_by",
    }
)


def record_type_label(object_type: str) -> str:
    """A record type of the access log in words. A refused page is logged under its URL name
    ("referral_detail"): it reads as the record its name starts with, or as "page"."""
    if object_type in RECORD_TYPES:
        return str(RECORD_TYPES[object_type])
    for code, label in RECORD_TYPES.items():
        if object_type.startswith(f"{code}_"):
            return str(label)
    return str(_("page"))


def field_label(model, name: str) -> str | None:
    """A changed field by its model's (translated) verbose name; None for a field not listed
    or no longer there."""
    if model is None or name in FIELDS_NOT_LISTED:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if isinstance(field.verbose_name, Promise):
        return str(field.verbose_name)
    if field.is_relation and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return None


def change_summary(entry: LogEntry) -> str:
    """What a change-history entry did, in words: created, deleted, or the fields it changed."""
    if entry.action == LogEntry.Action.CREATE:
        return str(_("Created"))
    if entry.action == LogEntry.Action.DELETE:
        return str(_("Deleted"))
    model = entry.content_type.model_class()
    labels = [field_label(model, name) for name in entry.changes_dict]
    return ", ".join(dict.fromkeys(label for label in labels if label)) or "–"


def _changes_for(request: RoleRequest):
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if request.membership.role == Role.NATIONAL_ADMIN:
        return entries
    types = ContentType.objects.get_for_models(Referral, Match, Volunteer)
    scoped = Q()
    for model in (Referral, Match, Volunteer):
        scoped |= Q(
            content_type=types[model],
            object_pk__in=_ids(model.objects.for_user(request.user)),
        )
    return entries.filter(scoped)


def _ids(queryset):
    from django.db.models import CharField
    from django.db.models.functions import Cast

    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def audit_log(request: RoleRequest) -> HttpResponse:
    """The access log, or the change history (`?vis=endringer`): the newest first, a page at a
    time (`?side=`)."""
    changes = request.GET.get("vis") == CHANGES
    tabs = [
        {"label": _("Access"), "query": "", "current": not changes},
        {"label": _("Changes"), "query": f"?vis={CHANGES}", "current": changes},
    ]
    if changes:
        page = page_of(request, _changes_for(request))
        for change in page:
            change.summary = change_summary(change)
    else:
        roles = dict(Role.choices)
        page = page_of(request, AccessLog.objects.for_user(request.user).select_related("actor"))
        for access in page:
            access.role_label = roles.get(access.role, "–")
            access.record_label = record_type_label(access.object_type)
    return render(
        request,
        "pages/audit_log.html",
        {"tabs": tabs, "changes": changes, "page": page},
    )
