from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR, ChangeListSearchForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.access import two_step_passed
from accounts.models import Role
from common import searches


def is_national_admin(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(
        request.user.is_active and membership is not None and membership.role == Role.NATIONAL_ADMIN
    )


def may_use_admin(request) -> bool:
    """Django's admin is for emergencies: a superuser who acts as national admin and has passed
    two-step login in this session. A national admin's daily work has its own pages
    (/admin-nks/, accounts.national_views and the pages it links to)."""
    return bool(
        is_national_admin(request) and request.user.is_superuser and two_step_passed(request)
    )


class NationalAdminPermissions:
    """Mixin for ModelAdmins: a superuser national admin may manage (may_use_admin); nobody
    else sees the admin at all."""

    def has_module_permission(self, request) -> bool:
        return may_use_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_use_admin(request)

    def has_add_permission(self, request, *args) -> bool:
        return may_use_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_use_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_use_admin(request)

    def get_deleted_objects(self, objs, request):
        """As the admin's, but a related record the administration does not manage (a
        referral, a volunteer) is named by its kind only: deleting an association must not
        list its volunteers by name. (The admin links the records it manages; the others are
        plain "Kind: name" strings.)"""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return _kinds_only(to_delete), model_count, perms_needed, _kinds_only(protected)


class SearchKeptInSession:
    """Mixin for ModelAdmins (NationalAdminSite.register adds it to every one): the text typed
    in a changelist's search box never goes into the address.

    The admin's search form (templates/admin/search_form.html) posts; the text is kept in the
    session and the changelist is shown at `?sok=<id>` with the other parameters (filters,
    ordering) as they were, so paging, sorting, filtering and coming back from an object keep
    the search (common.searches). What a national admin searches for here is an email
    address or a name.
    """

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_search" in request.POST:
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            return redirect(_search_address(request))
        search_id = request.GET.get(searches.PARAM)
        if search_id and searches.search_text(request, search_id) is None:
            messages.warning(request, _("This search has expired. Please search again."))
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        text = searches.search_text(request, request.GET.get(searches.PARAM)) or ""
        form = type("KeptSearchForm", (_KeptSearchForm,), {"text": text})
        return type(
            "KeptSearchChangeList",
            (_KeptSearchChangeList, changelist),
            {"search_form_class": form},
        )


class _KeptSearchForm(ChangeListSearchForm):
    """The changelist's search form, filled from the session instead of the query string."""

    text = ""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__({SEARCH_VAR: self.text}, *args, **kwargs)


class _KeptSearchChangeList:
    def get_filters_params(self, params=None):
        """The search id is no field lookup (left in the links, it keeps the search)."""
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(searches.PARAM, None)
        return lookup_params


def _search_address(request) -> str:
    """The changelist's address after a search: what the form carried besides the text (its
    filters and ordering), and the id the text is kept under; back on the first page."""
    left_out = {"csrfmiddlewaretoken", "_search", SEARCH_VAR, searches.PARAM, PAGE_VAR}
    query = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in left_out
        for value in values
    ]
    text = request.POST.get(SEARCH_VAR, "").strip()
    if text:
        query.append((searches.PARAM, searches.search_keep(request, text)))
    return f"{request.path}?{urlencode(query)}" if query else request.path


def _to_own_pages(request):
    """For a national admin who may not use Django's admin: her own pages, with a word on why."""
    if not is_national_admin(request) or may_use_admin(request):
        return None
    messages.info(
        request,
        _("Django's administration is only for emergencies and superusers. What you need is here."),
    )
    return redirect("natadmin")


def _kinds_only(items: list) -> list:
    shown: list = []
    for item in items:
        if isinstance(item, list):
            shown.append(_kinds_only(item))
        elif isinstance(item, SafeString):
            shown.append(item)
        else:
            shown.append(str(item).split(": ", 1)[0])
    return shown


class NationalAdminSite(admin.AdminSite):
    site_header = _("Ressursvenner – administration")
    site_title = _("Ressursvenner administration")
    index_title = _("National administration")

    def has_permission(self, request) -> bool:
        return may_use_admin(request)

    def admin_view(self, view, cacheable=False):
        """A national admin who is no superuser is sent to her own pages, and told why, rather
        than to the admin's login (which would only bring her back here)."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return _to_own_pages(request) or inner(request, *args, **kwargs)

        return wrapped

    def each_context(self, request):
        """The version in the footer of every admin page (templates/admin/base_site.html), for
        whoever reports a problem; public pages never show it."""
        return {**super().each_context(request), "app_version": settings.APP_VERSION}

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every changelist's search box keeps its text out of the address, Django's and other
        libraries' admins included (SearchKeptInSession)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SearchKeptInSession):
            admin_class = type(
                admin_class.__name__,
                (SearchKeptInSession, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def login(self, request, extra_context=None):
        if (response := _to_own_pages(request)) is not None:
            return response
        # The admin's own login form would skip the second step: always use ours.
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
