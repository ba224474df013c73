from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


def is_national_admin(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(
        request.user.is_active and membership is not None and membership.role == Role.NATIONAL_ADMIN
    )


class NationalAdminPermissions:
    """Mixin for ModelAdmins: a national admin may manage; nobody else sees the admin at all."""

    def has_module_permission(self, request) -> bool:
        return is_national_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_national_admin(request)

    def has_add_permission(self, request, *args) -> bool:
        return is_national_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_national_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_national_admin(request)

    def get_deleted_objects(self, objs, request):
        """As the admin's, but a related record the administration does not manage (a
        referral, a volunteer) is named by its kind only: deleting an association must not
        list its volunteers by name. (The admin links the records it manages; the others are
        plain "Kind: name" strings.)"""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return _kinds_only(to_delete), model_count, perms_needed, _kinds_only(protected)


def _kinds_only(items: list) -> list:
    shown = []
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
        return is_national_admin(request)

    def login(self, request, extra_context=None):
        # The admin's own login form would skip the second step: always use ours.
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
