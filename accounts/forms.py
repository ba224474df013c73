from typing import cast

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, LoginWebAuthnForm
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Absence, Association, Membership, Municipality, Role, Shelter, User
from common.forms import DateInput, fields_only_helper


class InvitationForm(forms.Form):
    """Invite a person. A national admin picks the role and place; a coordinator invites
    volunteers of her own association, so she types only who."""

    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.COORDINATOR, Role.COORDINATOR.label),
            (Role.SHELTER_STAFF, Role.SHELTER_STAFF.label),
            (Role.NATIONAL_ADMIN, Role.NATIONAL_ADMIN.label),
        ],
    )
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

    def __init__(self, *args, user: User, acting: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting = acting
        self.helper = fields_only_helper()
        if acting.role == Role.NATIONAL_ADMIN:
            association = cast(forms.ModelChoiceField, self.fields["association"])
            association.queryset = Association.objects.for_user(user)
            shelter = cast(forms.ModelChoiceField, self.fields["shelter"])
            shelter.queryset = Shelter.objects.for_user(user)
        else:
            for name in ("role", "association", "shelter"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if self.acting.role != Role.NATIONAL_ADMIN:
            cleaned["role"] = Role.VOLUNTEER
            cleaned["association"] = self.acting.association
            cleaned["shelter"] = None
            return cleaned
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


class MunicipalityField(forms.CharField):
    """A municipality typed or picked from a list of all 357 (an <input list> with a datalist).

    Accepts a name, "Name (County)" or the number. Two names occur twice (Herøy, Våler); those
    must be picked with their county.
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
        text = " ".join(text.split())
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
