"""Reads that several pages share."""

from django.db.models import Q

from accounts.models import Membership, Role, User, UserQuerySet

# The roles a national admin gives and takes in her pages; a volunteer's role follows her
# volunteer record, which her coordinator keeps.
STAFF_ROLES = (Role.NATIONAL_ADMIN, Role.COORDINATOR, Role.SHELTER_STAFF)


def people_managed(user) -> UserQuerySet:
    """The people a national admin manages in her pages: everyone who holds or held a role other
    than volunteer, and logins with no role at all. A volunteer and nothing else is her
    coordinator's to manage (her page), and is not listed."""
    staff = Membership.objects.filter(role__in=STAFF_ROLES).values("user_id")
    anyone = Membership.objects.values("user_id")
    return User.objects.for_user(user).filter(Q(pk__in=staff) | ~Q(pk__in=anyone))


def memberships_managed(user):
    """The roles a national admin changes or ends in her pages (never a volunteer's)."""
    return Membership.objects.for_user(user).filter(role__in=STAFF_ROLES)
