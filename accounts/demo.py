"""Demo data for accounts: associations covering real municipalities, and crisis shelters.

Every app may have a `demo.py` with `seed(stdout)`; `manage.py seed_demo` calls them in the
order of INSTALLED_APPS (lowest floor first). Each seed is idempotent: it looks rows up by
their natural key and creates only what is missing.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import (
    TWO_STEP_ROLES,
    Association,
    County,
    Coverage,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
)
from accounts.reference_data import load_reference_data

# Every demo login has this password (demo data only runs with DEBUG on).
DEMO_PASSWORD = "kaffe-og-en-prat"  # noqa: S105 - demo data, refused without DEBUG
DEMO_DOMAIN = "demo.example"

# email local part: (first name, last name, phone, [(role, association or shelter name)])
DEMO_PEOPLE: dict[str, tuple[str, str, str, list[tuple[Role, str | None]]]] = {
    "admin": ("Ingrid", "Solberg", "+47 400 00 001", [(Role.NATIONAL_ADMIN, None)]),
    "koordinator.oslo": (
        "Hanne",
        "Berg",
        "+47 400 00 011",
        [(Role.COORDINATOR, "Oslo Sanitetsforening")],
    ),
    "koordinator.bergen": (
        "Silje",
        "Haugland",
        "+47 400 00 012",
        [(Role.COORDINATOR, "Bergen Sanitetsforening")],
    ),
    "koordinator.trondheim": (
        "Marit",
        "Aune",
        "+47 400 00 013",
        [(Role.COORDINATOR, "Trondheim Sanitetsforening")],
    ),
    "krisesenter.oslo": (
        "Camilla",
        "Lie",
        "+47 400 00 021",
        [(Role.SHELTER_STAFF, "Oslo krisesenter (demo)")],
    ),
    "krisesenter.bergen": (
        "Tone",
        "Vik",
        "+47 400 00 022",
        [(Role.SHELTER_STAFF, "Bergen krisesenter (demo)")],
    ),
    "krisesenter.trondheim": (
        "Eli",
        "Moen",
        "+47 400 00 023",
        [(Role.SHELTER_STAFF, "Trondheim krisesenter (demo)")],
    ),
    "krisesenter.follo": (
        "Anne",
        "Strand",
        "+47 400 00 024",
        [(Role.SHELTER_STAFF, "Follo krisesenter (demo)")],
    ),
    "frivillig.oslo": (
        "Nora",
        "Hansen",
        "+47 400 00 031",
        [(Role.VOLUNTEER, "Oslo Sanitetsforening")],
    ),
    "frivillig.bergen": (
        "Sara",
        "Johannessen",
        "+47 400 00 032",
        [(Role.VOLUNTEER, "Bergen Sanitetsforening")],
    ),
    "frivillig.trondheim": (
        "Ida",
        "Lund",
        "+47 400 00 033",
        [(Role.VOLUNTEER, "Trondheim Sanitetsforening")],
    ),
    # A ressursvenn in Oslo who leads its supervision group (supervision/demo.py gives her the
    # group leader role, as a coordinator does on the group's page): she picks her role.
    "gruppeleder.oslo": (
        "Randi",
        "Eide",
        "+47 400 00 051",
        [(Role.VOLUNTEER, "Oslo Sanitetsforening")],
    ),
    # A coordinator in Bergen who is also a ressursvenn in Oslo: she picks her role.
    "to.roller": (
        "Kari",
        "Nilsen",
        "+47 400 00 041",
        [(Role.COORDINATOR, "Bergen Sanitetsforening"), (Role.VOLUNTEER, "Oslo Sanitetsforening")],
    ),
}

# name: (contact email, phone, municipality numbers covered; the first is the home municipality)
ASSOCIATIONS = {
    "Oslo Sanitetsforening": (
        "oslo@sanitet.example",
        "+47 22 00 10 00",
        ["0301", "3201", "3203", "3205", "3207", "3222", "3232"],
    ),
    "Bergen Sanitetsforening": (
        "bergen@sanitet.example",
        "+47 55 00 10 00",
        ["4601", "4624", "4626", "4627", "4630", "4631"],
    ),
    "Trondheim Sanitetsforening": (
        "trondheim@sanitet.example",
        "+47 73 00 10 00",
        ["5001", "5028", "5029", "5031", "5035"],
    ),
}

# name: (host municipality number, phone)
SHELTERS = {
    "Oslo krisesenter (demo)": ("0301", "+47 22 00 20 00"),
    "Bergen krisesenter (demo)": ("4601", "+47 55 00 20 00"),
    "Trondheim krisesenter (demo)": ("5001", "+47 73 00 20 00"),
    "Follo krisesenter (demo)": ("3207", "+47 64 00 20 00"),
}


def seed(stdout) -> None:
    if not Municipality.objects.exists():
        load_reference_data(County, Municipality)
    municipalities = {m.number: m for m in Municipality.objects.all()}
    for name, (email, phone, numbers) in ASSOCIATIONS.items():
        association, _created = Association.objects.get_or_create(
            name=name, defaults={"email": email, "phone": phone}
        )
        for number in numbers:
            Coverage.objects.get_or_create(
                municipality=municipalities[number], defaults={"association": association}
            )
    for name, (number, phone) in SHELTERS.items():
        Shelter.objects.get_or_create(
            name=name, defaults={"municipality": municipalities[number], "phone": phone}
        )
    stdout.write(f"Demo: {len(ASSOCIATIONS)} associations, {len(SHELTERS)} shelters.")
    _seed_people(stdout)


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


def _seed_people(stdout) -> None:
    associations = {a.name: a for a in Association.objects.all()}
    shelters = {s.name: s for s in Shelter.objects.all()}
    lines = []
    for local_part, (first, last, phone, roles) in DEMO_PEOPLE.items():
        email = demo_email(local_part)
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "phone": phone}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role, place in roles:
            Membership.objects.get_or_create(
                user=user,
                role=role,
                association=associations.get(place)
                if role in (Role.COORDINATOR, Role.VOLUNTEER)
                else None,
                shelter=shelters.get(place) if role == Role.SHELTER_STAFF else None,
                ended_at=None,
            )
        two_step = any(role in TWO_STEP_ROLES for role, _place in roles)
        if (
            two_step
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
        label = ", ".join(
            f"{Role(role).label}{f' ({place})' if place else ''}" for role, place in roles
        )
        lines.append(f"  {email:<34} {label}{'  [two-step]' if two_step else ''}")
    stdout.write("")
    stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for line in lines:
        stdout.write(line)
    stdout.write("For a two-step code without a phone: .venv/bin/python manage.py demo_code EMAIL")
