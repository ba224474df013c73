"""factory_boy factories. Defaults are plain: say in the test what matters to it."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import (
    ASSOCIATION_ROLES,
    TWO_STEP_ROLES,
    Association,
    Coverage,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
)

PASSWORD = "et-langt-og-trygt-passord"


def municipality(number: str) -> Municipality:
    return Municipality.objects.get(number=number)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.no")
    first_name = factory.Faker("first_name_female", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sanitetsforening {n}")

    @factory.post_generation
    def covers(self, create, extracted, **kwargs):
        for number in extracted or []:
            Coverage.objects.create(association=self, municipality=municipality(number))


class ShelterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shelter
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Krisesenter {n}")
    municipality = factory.LazyFunction(lambda: municipality("0301"))
    phone = "+47 22 00 00 00"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.VOLUNTEER
    association = None
    shelter = None


def add_two_step(user: User) -> str:
    """Give `user` an authenticator app; returns its secret so a test can make codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def person(role: Role, *, place=None, two_step: bool | None = None, **user_fields) -> User:
    """A user holding one role; two-step login is set up for the roles that require it."""
    user = UserFactory(**user_fields)
    MembershipFactory(
        user=user,
        role=role,
        association=place if role in ASSOCIATION_ROLES else None,
        shelter=place if role == Role.SHELTER_STAFF else None,
    )
    if two_step if two_step is not None else role in TWO_STEP_ROLES:
        user.totp_secret = add_two_step(user)
    return user


def volunteer(
    association,
    *,
    status: str = "applied",
    municipality_number: str | None = None,
    languages: tuple[str, ...] = ("no",),
    user=None,
    **fields,
):
    """A volunteer (applicant or ressursvenn) of `association`; languages as ISO codes."""
    from django.utils import timezone

    from volunteers.models import Volunteer, VolunteerLanguage

    number = (
        municipality_number or association.municipalities.values_list("number", flat=True).first()
    )
    values = {
        "first_name": "Amina",
        "last_name": "Hansen",
        "email": f"frivillig{Volunteer.objects.count() + 1}@example.no",
        "phone": "+4791234567",
        "birth_year": 1985,
        "motivation": "Jeg vil gjerne hjelpe.",
        "consent_at": timezone.now(),
        "strengths": 1,
        "availability": 1,
        **fields,
    }
    v = Volunteer.objects.create(
        association=association,
        municipality=municipality(number or "0301"),
        status=status,
        user=user,
        **values,
    )
    VolunteerLanguage.objects.bulk_create(
        [VolunteerLanguage(volunteer=v, code=c) for c in languages]
    )
    return v
