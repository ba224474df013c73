"""The middleware caches what someone may do under her User.access_version (accounts/access.py,
access_of). The database raises the version itself when one of her memberships or authenticators
changes (triggers, migration 0011). What it cannot see is a change to the association or shelter
her cached memberships carry (a new name, a closed programme): that is raised here."""

from django.db.models.signals import post_save

from accounts.models import Association, Shelter, User, access_changed


def _place_changed(sender, instance, created: bool = False, **kwargs) -> None:
    if created:
        return
    field = "association" if isinstance(instance, Association) else "shelter"
    access_changed(
        User.objects.filter(**{f"memberships__{field}": instance}).values_list("pk", flat=True)
    )


def connect() -> None:
    post_save.connect(_place_changed, sender=Association, dispatch_uid="rv_access_association")
    post_save.connect(_place_changed, sender=Shelter, dispatch_uid="rv_access_shelter")
