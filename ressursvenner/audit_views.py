"""The log pages: who accessed what (the access log) and who changed what (the change history),
and "who has seen her data": both for one case (a referral, its matches and their concerns).

A coordinator reads the entries about her association's records; a national admin reads all.
Neither shows data: record type, id, who (by role and name while not pseudonymised), when.
Codes never reach the page: roles, record types and changed fields are shown in words.

The access log can be narrowed to one person, one case and a period (`?person=<her public
id>&sak=<a record's public id, or its first 8 characters>&fra=&til=`): ids only, never a name,
in the address.

Who sees the log of one case ("who has seen her data", linked from the referral's and the
match's pages): the coordinators of its association, who handle the case and answer her if she
asks who has seen her data. National admins see no case (aggregates only: 403, as on every
page that names a woman's records); they find a case's entries in the whole log, narrowed to it
(`/logg/?sak=<its public id>`). Shelter staff and volunteers: 403.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import AccessLog, Role, User
from common.forms import DateInput, ListSelect
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
    # The association's list of volunteers, downloaded as a spreadsheet (its id: the association).
    "volunteer_list": _("list of volunteers"),
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


# A case as the filter takes it: a public id, whole or its first 8 characters or more (as the
# log shows it). Letters other than a-f (a name) are refused, and the browser refuses to send
# them (the field's pattern), so a woman's name never reaches the address.
CASE_PATTERN = r"[0-9a-fA-F\-]{8,36}"  # (the browser reads it with the v flag: "\-")
CASE_RE = re.compile(rf"^{CASE_PATTERN}$")


class AccessFilterForm(forms.Form):
    """The access log's filters, from the query string."""

    # Everyone in the log the person may read: hundreds nationally (ListSelect writes them fast).
    person = forms.ChoiceField(label=_("Person"), required=False, widget=ListSelect())
    sak = forms.CharField(
        label=_("Case"),
        required=False,
        max_length=36,
        help_text=_(
            "The id of a referral, a match or a concern, or its first 8 characters, as the "
            "log shows it. Never her name."
        ),
        widget=forms.TextInput(
            attrs={"pattern": CASE_PATTERN, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    fra = forms.DateField(label=_("From"), required=False, widget=DateInput())
    til = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data, *, people: list[tuple[str, str]]):
        super().__init__(data)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", _("Everyone")), *people]

    def clean_sak(self) -> str:
        case = self.cleaned_data["sak"].strip().lower()
        if case and not CASE_RE.match(case):
            raise forms.ValidationError(
                _("Give the id of the case (letters a–f, digits and dashes), not a name.")
            )
        return case

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("fra"), cleaned.get("til")
        if start and end and end < start:
            self.add_error("til", _("The end of the period cannot be before its start."))
        return cleaned

    def filtered(self, entries):
        """`entries` narrowed to what the form asks (all of them when it is not valid: the
        page then shows the messages beside the fields)."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["person"]:
            entries = entries.filter(actor__public_id=data["person"])
        if data["sak"]:
            try:
                entries = entries.filter(object_id=str(uuid.UUID(data["sak"])))
            except ValueError:
                entries = entries.filter(object_id__startswith=data["sak"])
        if data["fra"]:
            entries = entries.filter(at__gte=_day_start(data["fra"]))
        if data["til"]:
            entries = entries.filter(at__lt=_day_start(data["til"] + timedelta(days=1)))
        return entries


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _people(scoped) -> list[tuple[str, str]]:
    """The people who appear in the log the person may read, by name (one query)."""
    found = (
        User.objects.filter(pk__in=scoped.filter(actor__isnull=False).values("actor_id"))
        .order_by("first_name", "last_name", "email")
        .values_list("public_id", "first_name", "last_name", "email")
    )
    return [
        (str(public_id), f"{first} {last}".strip() or email)
        for public_id, first, last, email in found
    ]


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
    form = None
    if changes:
        page = page_of(request, _changes_for(request))
        for change in page:
            change.summary = change_summary(change)
    else:
        roles = dict(Role.choices)
        scoped = AccessLog.objects.for_user(request.user)
        form = AccessFilterForm(request.GET, people=_people(scoped))
        page = page_of(request, form.filtered(scoped.select_related("actor")))
        for access in page:
            access.role_label = roles.get(access.role, "–")
            access.record_label = record_type_label(access.object_type)
    return render(
        request,
        "pages/audit_log.html",
        {
            "tabs": tabs,
            "changes": changes,
            "page": page,
            "form": form,
            "filtered": bool(form and form.is_valid() and any(form.cleaned_data.values())),
        },
    )


# --- Who has seen her data: the log of one case ---------------------------------------------


PSEUDONYMISED = _("(pseudonymised)")


@dataclass
class CaseLine:
    """One thing done with the case's records: who, in which role, what, to which, when."""

    at: datetime
    who: str
    role: str
    what: str
    record: str
    record_id: str


@dataclass
class Case:
    referral_id: int
    referral_public_id: uuid.UUID
    matches: list[tuple[int, uuid.UUID]]
    concerns: list[tuple[int, uuid.UUID]]


def _case(request: RoleRequest, *, referral=None, match=None) -> Case:
    """The case of a referral or of a match (its referral): the referral, every match of it
    and their concerns, by ids; only when it is her association's (404 otherwise)."""
    referrals = Referral.objects.for_user(request.user)
    matches = Match.objects.for_user(request.user)
    if match is not None:
        found = matches.filter(public_id=match).values_list("referral_id", flat=True).first()
        referral_q = referrals.filter(pk=found) if found is not None else referrals.none()
    else:
        referral_q = referrals.filter(public_id=referral)
    ids = referral_q.values_list("pk", "public_id").first()
    if ids is None:
        raise Http404
    pk, public_id = ids
    return Case(
        referral_id=pk,
        referral_public_id=public_id,
        matches=list(Match.objects.filter(referral_id=pk).values_list("pk", "public_id")),
        concerns=list(Concern.objects.filter(match__referral_id=pk).values_list("pk", "public_id")),
    )


def case_lines(request: RoleRequest, case: Case) -> list[CaseLine]:
    """Everything the log holds about the case, the newest first: who opened, exported, was
    refused or erased one of its records (the access log), and who created or changed them
    (the change history). Two queries, whatever the number of entries."""
    roles = dict(Role.choices)
    public_ids = [case.referral_public_id, *(p for _pk, p in case.matches)]
    public_ids += [p for _pk, p in case.concerns]
    accesses = (
        AccessLog.objects.for_user(request.user)
        .filter(object_id__in=[str(p) for p in public_ids])
        .select_related("actor")
    )
    lines = [
        CaseLine(
            at=entry.at,
            who=_who(entry.actor) or f"{PSEUDONYMISED} {entry.actor_ref[:8]}",
            role=str(roles.get(entry.role, "–")),
            what=str(entry.get_action_display()),
            record=record_type_label(entry.object_type),
            record_id=entry.object_id[:8],
        )
        for entry in accesses
    ]
    types = ContentType.objects.get_for_models(Referral, Match, Concern)
    changed = (
        Q(content_type=types[Referral], object_pk=str(case.referral_id))
        | Q(content_type=types[Match], object_pk__in=[str(pk) for pk, _p in case.matches])
        | Q(content_type=types[Concern], object_pk__in=[str(pk) for pk, _p in case.concerns])
    )
    public_of: dict[tuple[type, int], uuid.UUID] = {
        (Referral, case.referral_id): case.referral_public_id,
        **{(Match, pk): p for pk, p in case.matches},
        **{(Concern, pk): p for pk, p in case.concerns},
    }
    for change in LogEntry.objects.filter(changed).select_related("actor", "content_type"):
        model = change.content_type.model_class()
        summary = change_summary(change)
        lines.append(
            CaseLine(
                at=change.timestamp,
                who=_who(change.actor) or "–",
                role="–",
                what=summary
                if change.action in (LogEntry.Action.CREATE, LogEntry.Action.DELETE)
                else _("Changed: %(fields)s") % {"fields": summary},
                record=str(model._meta.verbose_name) if model else str(_("page")),
                record_id=str(public_of.get((model, int(change.object_pk)), ""))[:8],
            )
        )
    return sorted(lines, key=lambda line: line.at, reverse=True)


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _case_page(request: RoleRequest, case: Case, *, back: str, back_label) -> HttpResponse:
    page = page_of(request, case_lines(request, case))
    return render(
        request,
        "pages/case_access_log.html",
        {
            "page": page,
            "case": case,
            "back": back,
            "back_label": back_label,
            "log_query": f"?sak={case.referral_public_id}",
        },
    )


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def referral_access_log(request: RoleRequest, public_id) -> HttpResponse:
    """Who has seen her data: the log of the referral's case (linked from its page)."""
    case = _case(request, referral=public_id)
    back = reverse("referral_detail", args=[public_id])
    return _case_page(request, case, back=back, back_label=_("The referral"))


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def match_access_log(request: RoleRequest, public_id) -> HttpResponse:
    """Who has seen her data: the log of the match's case (its referral's), from its page."""
    case = _case(request, match=public_id)
    back = reverse("match_detail", args=[public_id])
    return _case_page(request, case, back=back, back_label=_("The match"))
