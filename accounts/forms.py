import re
from typing import cast

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, LoginWebAuthnForm
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxLengthValidator
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.lists import ProgrammeList
from accounts.models import (
    Absence,
    Association,
    Coverage,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
)
from common.forms import DateInput, fields_only_helper

# The roles a national admin gives (a volunteer's follows her volunteer record).
STAFF_ROLE_CHOICES = [
    (Role.COORDINATOR, Role.COORDINATOR.label),
    (Role.SHELTER_STAFF, Role.SHELTER_STAFF.label),
    (Role.NATIONAL_ADMIN, Role.NATIONAL_ADMIN.label),
]


class StaffRoleForm(forms.Form):
    """A role a national admin gives, with its place: a coordinator's association, shelter
    staff's shelter (the one place of that rule, for inviting and for changing a role)."""

    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    association = forms.ModelChoiceField(
        label=_("Local association"),
        queryset=Association.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_("For a coordinator."),
    )
    shelter = forms.ModelChoiceField(
        label=_("Crisis shelter"),
        queryset=Shelter.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_("For shelter staff."),
    )

    def _places_of(self, user: User) -> None:
        association = cast(forms.ModelChoiceField, self.fields["association"])
        association.queryset = Association.objects.for_user(user)
        shelter = cast(forms.ModelChoiceField, self.fields["shelter"])
        shelter.queryset = Shelter.objects.for_user(user)

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.COORDINATOR:
            if not cleaned.get("association"):
                self.add_error(
                    "association", _("Choose the local association she will coordinate.")
                )
            cleaned["shelter"] = None
        elif role == Role.SHELTER_STAFF:
            if not cleaned.get("shelter"):
                self.add_error("shelter", _("Choose the crisis shelter she works at."))
            cleaned["association"] = None
        else:
            cleaned["association"] = cleaned["shelter"] = None
        return cleaned


class InvitationForm(StaffRoleForm):
    """Invite a person. A national admin picks the role and place; a coordinator invites
    volunteers of her own association, so she types only who."""

    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    field_order = ["email", "first_name", "last_name", "role", "association", "shelter"]

    def __init__(self, *args, user: User, acting: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting = acting
        self.helper = fields_only_helper()
        if acting.role == Role.NATIONAL_ADMIN:
            self._places_of(user)
        else:
            for name in ("role", "association", "shelter"):
                del self.fields[name]

    def clean(self):
        if self.acting.role == Role.NATIONAL_ADMIN:
            return super().clean()
        cleaned = forms.Form.clean(self)
        cleaned["role"] = Role.VOLUNTEER
        cleaned["association"] = self.acting.association
        cleaned["shelter"] = None
        return cleaned


class SetPasswordForm(forms.Form):
    """The invited person's name and new password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A few unusual words in a row make a good password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = fields_only_helper()

    def clean_password2(self):
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords are not the same."))
        return second

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password:
            candidate = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MembershipChoiceField(forms.ModelChoiceField):
    """Each of her memberships by its label: "Koordinator · Oslo Sanitetsforening"."""

    def label_from_instance(self, obj) -> str:
        return obj.label


class RoleSwitchForm(forms.Form):
    membership = MembershipChoiceField(
        label=_("Act as"),
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("You do not have that role.")},
    )

    def __init__(self, *args, memberships: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["membership"])
        field.queryset = Membership.objects.filter(
            pk__in=[m.pk for m in memberships]
        ).select_related("association", "shelter")
        self.helper = fields_only_helper()


class LoginForm(AllauthLoginForm):
    """allauth's login form without its own "forgot password" help link (the page has one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class SettingsForm(forms.ModelForm):
    """How she hears from us: the language of emails and, for coordinators, the digest."""

    class Meta:
        model = User
        fields = ("phone", "language", "weekly_digest")
        labels = {"phone": _("Your phone number")}
        help_texts = {
            "phone": _(
                "Coordinators: shown to the volunteers of your association, for emergencies."
            )
        }

    def __init__(self, *args, coordinator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        if not coordinator:
            del self.fields["weekly_digest"]
            del self.fields["phone"]


class AbsenceForm(forms.ModelForm):
    """A coordinator marks herself away: the first and the last day (both included)."""

    class Meta:
        model = Absence
        fields = ("starts_on", "ends_on")
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        labels = {"starts_on": _("Away from"), "ends_on": _("Away until (the last day)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", _("The last day cannot be before the first day."))
            elif ends_on < timezone.localdate():
                self.add_error("ends_on", _("The last day has passed already."))
        return data


def _security_key_name(form: forms.Form) -> None:
    form.fields["name"].label = _("Name of the key")
    form.fields["name"].help_text = _("So that you can tell your keys apart.")
    field = cast(forms.CharField, form.fields["name"])
    field.max_length = 100
    field.validators.append(MaxLengthValidator(100))
    field.widget.attrs["maxlength"] = "100"


class AddSecurityKeyForm(AddWebAuthnForm):
    """allauth's form for adding a security key (a second step after the password), with its
    field named in our words. Whether it can log her in alone is not asked here: a passkey is
    added on its own page (AddPasskeyForm)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _security_key_name(self)
        self.fields.pop("passwordless", None)


class AddPasskeyForm(AddWebAuthnForm):
    """A passkey: a WebAuthn credential kept on her device (a resident key) that her device
    unlocks only with her fingerprint, face or PIN (user verification). allauth's form, always
    "passwordless": the browser is asked for both, and a credential made without user
    verification is refused. The checkbox allauth's script reads stays ticked and hidden."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _security_key_name(self)
        self.fields["name"].label = _("Name of the passkey")
        self.fields["name"].help_text = _("For example the phone it is on.")
        self.fields["passwordless"] = forms.BooleanField(
            required=False, initial=True, widget=forms.CheckboxInput(attrs={"hidden": True})
        )

    def clean_passwordless(self) -> bool:
        return True


class PasskeyLoginForm(LoginWebAuthnForm):
    """allauth's passkey login (user verification required), with one message in her language
    for every way it can fail: nothing sent (the ceremony was cancelled, or no JavaScript),
    something that is not a passkey's answer, an unknown or unverified passkey. Whatever is
    posted, the answer is the login page with that message, never an error page."""

    error_message = _(
        "Logging in with a passkey did not work. Try again, or log in with your email, "
        "password and the code from the app."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].error_messages.update(
            {"required": self.error_message, "invalid": self.error_message}
        )

    def clean_credential(self):
        if not isinstance(self.cleaned_data.get("credential"), dict):
            raise forms.ValidationError(self.error_message, code="invalid")
        try:
            return super().clean_credential()
        except forms.ValidationError as error:
            # allauth says "Incorrect code." for all of these (tests/accounts/test_passkeys.py
            # sends it every kind of garbage).
            if error.code == "too_many_login_attempts":
                raise
            raise forms.ValidationError(self.error_message, code="invalid") from None


# The code field of two-step login: the six digits of her authenticator app. A numeric
# keyboard on a phone (inputmode), and the phone may offer the code itself (autocomplete).
# On the second step and when confirming it is her, the same field takes a recovery code:
# allauth's recovery codes are digits too (MFA_RECOVERY_CODE_DIGITS, 8 by default), so the
# numeric keyboard fits both and no switch between two fields is needed
# (tests/accounts/test_code_field.py holds that). A space in the middle, as apps show the
# code ("123 456"), is allowed: allauth ignores it. `novalidate` on the forms leaves the
# judging to the server, which answers next to the field.
def _digits(n: int) -> str:
    half = n // 2
    return f"[0-9]{{{half}}} ?[0-9]{{{n - half}}}"


def _code_field(form: forms.Form, *, recovery_code: bool) -> None:
    lengths = [mfa_settings.TOTP_DIGITS]
    if recovery_code:
        lengths.append(mfa_settings.RECOVERY_CODE_DIGITS)
    attrs = form.fields["code"].widget.attrs
    attrs.pop("placeholder", None)
    attrs.update(
        {
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "pattern": "|".join(_digits(n) for n in lengths),
            "maxlength": str(max(lengths) + 1),
            "autocapitalize": "off",
            "spellcheck": "false",
        }
    )


class ActivateAppForm(ActivateTOTPForm):
    """Setting up the authenticator app: its six-digit code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self, recovery_code=False)


class TwoStepCodeForm(AuthenticateForm):
    """The second step of a login: the app's code, or a recovery code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self, recovery_code=True)


class ReauthenticateCodeForm(ReauthenticateForm):
    """Confirming it is her before a sensitive change: the app's code, or a recovery code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self, recovery_code=True)


# "Oslo kommune", "Bergen Kommune", "Kommunen Bodø", "Oslo municipality": the word is not part
# of the name.
MUNICIPALITY_WORD = re.compile(r"(?i)^kommunen?\s+|\s+(?:kommunen?|municipality)(?=$|\s*\()")
MUNICIPALITY_SEPARATORS = re.compile(r"[\n,;]+")


class MunicipalityField(forms.CharField):
    """A municipality typed or picked from a list of all 357 (an <input list> with a datalist).

    Accepts a name, "Name (County)" or the number, with or without the word "kommune" ("Oslo
    kommune"). Two names occur twice (Herøy, Våler); those must be picked
    with their county.
    """

    default_error_messages = {
        "unknown": _("We could not find that municipality. Pick one from the list."),
        "ambiguous": _(
            "There are two municipalities called %(name)s. Pick the right one from the list."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "municipality-list", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, Municipality):
            return value.label
        if isinstance(value, int):
            municipality = Municipality.objects.filter(pk=value).select_related("county").first()
            return municipality.label if municipality else ""
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = MUNICIPALITY_WORD.sub("", " ".join(text.split())).strip()
        matches = list(Municipality.objects.select_related("county").filter(number=text)) or [
            m
            for m in Municipality.objects.select_related("county")
            if text.lower() in (m.label.lower(), m.name.lower())
        ]
        exact = [m for m in matches if m.label.lower() == text.lower() or m.number == text]
        if exact:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise forms.ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"name": text}
            )
        raise forms.ValidationError(self.error_messages["unknown"], code="unknown")


# --- The national admin's pages (associations, shelters, people) -------------------------------


def municipality_text(municipalities) -> str:
    """The municipalities as she would type them: by name, with the county where the name
    occurs twice (Herøy, Våler). `municipalities` need their county loaded."""
    twice = set(
        Municipality.objects.values("name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("name", flat=True)
    )
    return ", ".join(m.label if m.name in twice else m.name for m in municipalities)


class MunicipalityLookup:
    """Every municipality, read once (one query), found by a word as a person types it: a name,
    "Name kommune", "Name (County)" or the number (a number a spreadsheet kept without its
    leading zero too: 301 is Oslo's 0301)."""

    def __init__(self) -> None:
        self.by_label: dict[str, Municipality] = {}
        self.by_name: dict[str, list[Municipality]] = {}
        self.by_number: dict[str, Municipality] = {}
        for municipality in Municipality.objects.select_related("county"):
            self.by_label[municipality.label.lower()] = municipality
            self.by_name.setdefault(municipality.name.lower(), []).append(municipality)
            self.by_number[municipality.number] = municipality

    def find(self, word: str) -> tuple[Municipality | None, str | None]:
        """The municipality `word` names, or None and why: "unknown" or "ambiguous" (a name
        that occurs twice, without its county)."""
        key = MUNICIPALITY_WORD.sub("", " ".join(word.split())).lower()
        if key.isdigit() and len(key) < 4:
            key = key.zfill(4)
        named = self.by_name.get(key, [])
        if len(named) > 1 and key not in self.by_label:
            return None, "ambiguous"
        found = self.by_number.get(key) or self.by_label.get(key) or (named[0] if named else None)
        return (found, None) if found is not None else (None, "unknown")


def municipalities_read(text: str) -> tuple[list[Municipality], list[str], list[str]]:
    """The municipalities named in `text` (separated by commas, semicolons or lines; a name,
    "Name kommune", "Name (County)" or the number). Returns those found, in the order typed and
    once each, the words not found, and the names that occur twice and need their county."""
    lookup = MunicipalityLookup()
    found: list[Municipality] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for part in MUNICIPALITY_SEPARATORS.split(text):
        word = " ".join(part.split())
        if not word:
            continue
        found_one, problem = lookup.find(word)
        if problem == "ambiguous":
            ambiguous.append(word)
        elif found_one is None:
            unknown.append(word)
        elif found_one not in found:
            found.append(found_one)
    return found, unknown, ambiguous


class MunicipalitiesField(forms.CharField):
    """Several municipalities typed as a list ("Oslo, Bærum kommune, Herøy (Nordland)"),
    each checked against the register."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple) or hasattr(value, "model"):
            return municipality_text(value)
        return value

    def clean(self, value):
        text = super().clean(value) or ""
        found, unknown, ambiguous = municipalities_read(text)
        errors = []
        if unknown:
            errors.append(
                forms.ValidationError(
                    _("We could not find these municipalities: %(names)s."),
                    code="unknown",
                    params={"names": ", ".join(unknown)},
                )
            )
        if ambiguous:
            errors.append(
                forms.ValidationError(
                    _(
                        "Two municipalities have this name: %(names)s. Add the county in "
                        "brackets, e.g. Herøy (Nordland)."
                    ),
                    code="ambiguous",
                    params={"names": ", ".join(ambiguous)},
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        return found


class AssociationForm(forms.ModelForm):
    """A local association and the municipalities it covers."""

    municipalities = MunicipalitiesField(
        label=_("Municipalities covered"),
        required=False,
        help_text=_(
            "Separate them with commas or put one on each line, e.g. Oslo, Bærum kommune. "
            "A municipality is covered by one association only."
        ),
    )

    class Meta:
        model = Association
        fields = ("name", "email", "phone", "is_active")
        error_messages = {"name": {"unique": _("There is already an association with this name.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.order_fields(["name", "municipalities", "email", "phone", "is_active"])
        if self.instance.pk and not self.is_bound:
            self.initial["municipalities"] = municipality_text(
                self.instance.municipalities.select_related("county").order_by("name")
            )

    def clean_municipalities(self):
        municipalities = self.cleaned_data["municipalities"]
        taken = (
            Coverage.objects.filter(municipality__in=municipalities)
            .exclude(association_id=self.instance.pk)
            .select_related("association", "municipality")
            .order_by("municipality__name")
        )
        if taken:
            raise forms.ValidationError(
                _("Already covered by another association: %(list)s."),
                code="taken",
                params={
                    "list": ", ".join(f"{c.municipality.name} ({c.association})" for c in taken)
                },
            )
        return municipalities


class ShelterForm(forms.ModelForm):
    """A crisis shelter: its name, host municipality and emergency phone (never its address)."""

    municipality = MunicipalityField(label=_("Host municipality"))

    class Meta:
        model = Shelter
        fields = ("name", "municipality", "phone", "is_active")
        error_messages = {
            "name": {"unique": _("There is already a crisis shelter with this name.")}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class PeopleSearchForm(forms.Form):
    """The people list: a name or an email (kept out of the address) and a role."""

    q = forms.CharField(label=_("Name or email"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("All roles")),
            *((role.value, role.label) for role in Role if role != Role.VOLUNTEER),
        ],
    )


class MembershipRoleForm(StaffRoleForm):
    """Give a membership another role (and place): the old one ends, a new one begins."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.fields["role"].label = _("New role")
        self._places_of(user)


class ListEntryForm(forms.Form):
    """The two names of an entry of a programme list: both required, neither used by another
    entry of the same list."""

    name_nb = forms.CharField(label=_("Name in Norwegian"), max_length=100)
    name_en = forms.CharField(label=_("Name in English"), max_length=100)

    def __init__(self, *args, programme_list: ProgrammeList, value=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_list, self.value = programme_list, value
        self.helper = fields_only_helper()

    def _unique(self, field: str) -> str:
        name = " ".join(self.cleaned_data[field].split())
        for entry in self.programme_list.entries():
            if entry.value != self.value and getattr(entry, field).casefold() == name.casefold():
                raise forms.ValidationError(
                    _("Another entry in this list already has this name."), code="taken"
                )
        return name

    def clean_name_nb(self) -> str:
        return self._unique("name_nb")

    def clean_name_en(self) -> str:
        return self._unique("name_en")
