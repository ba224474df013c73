from typing import cast

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.functional import Promise, lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from phonenumber_field.formfields import PhoneNumberField

from accounts.forms import MunicipalityField
from accounts.languages import LANGUAGES
from accounts.lists import ListChoiceField, ListFlagsField
from accounts.models import Association, Municipality
from common.flags import FlagsFormField
from common.forms import DateInput, ListSelect, fields_only_helper
from common.texts import filled
from volunteers import sheet
from volunteers.models import (
    COMMITMENT_END_REASONS,
    NEEDS,
    Availability,
    ConfidentialityDeclaration,
    Feeling,
    Status,
    birth_year_problem,
)
from volunteers.selectors import COMMITMENT_ENDING_DAYS
from volunteers.widgets import LanguageChips


def language_choices() -> list[tuple[str, str | Promise]]:
    return LANGUAGES


def _privacy_label():
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "I agree that NKS stores and uses what I have written here to handle my application, as described in the"
        ),
        reverse_lazy("privacy"),
        _("privacy notice"),
    )


class ApplicationForm(forms.Form):
    """The public application to become a ressursvenn."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email address"))
    phone = PhoneNumberField(
        label=_("Mobile phone"),
        region="NO",
        help_text=_("A Norwegian number, e.g. 912 34 567."),
        error_messages={"invalid": _("Enter a valid phone number, e.g. 912 34 567.")},
    )
    municipality = MunicipalityField(
        label=_("Municipality where you live"),
        help_text=_("Start typing, and pick from the list."),
    )
    birth_year = forms.IntegerField(label=_("Year of birth"))
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=language_choices,
        widget=LanguageChips,
        error_messages={
            "required": _("Choose at least one language."),
            "invalid_choice": _(
                "We do not know the language «%(value)s». Type the first letters and choose from the list."
            ),
        },
    )
    strengths = ListFlagsField(
        label=_("What would you like to help with?"), programme_list=NEEDS, required=False
    )
    availability = FlagsFormField(
        label=_("When can you usually meet?"),
        flag_choices=Availability,
        error_messages={"required": _("Choose when you can usually meet.")},
    )
    motivation = forms.CharField(
        label=_("Why do you want to be a ressursvenn?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Tell us a little about why you want to be a ressursvenn.")},
    )
    is_woman = forms.BooleanField(
        label=_("I am a woman"),
        help_text=_(
            "The women in the programme have been exposed to violence, most often by a man. "
            "That is why only women can be ressursvenner."
        ),
        error_messages={
            "required": _("Only women can be ressursvenner. Thank you for wanting to help!"),
        },
    )
    consent = forms.BooleanField(
        label=lazy(_privacy_label, SafeString)(),
        error_messages={"required": _("We need your consent to handle your application.")},
    )
    # A field people never see; a robot filling every field gives itself away.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.fields["website"].widget.attrs.update(
            {"tabindex": "-1", "autocomplete": "off", "class": "hp-field"}
        )
        minimum = settings.VOLUNTEER_MINIMUM_AGE
        self.fields["birth_year"].help_text = _("You must be at least %(age)s years old.") % {
            "age": minimum
        }

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        problem = birth_year_problem(year)
        minimum = settings.VOLUNTEER_MINIMUM_AGE
        if problem == "implausible":
            raise forms.ValidationError(_("Check the year of birth."))
        if problem == "too_young":
            raise forms.ValidationError(
                _("You must be at least %(age)s years old to be a ressursvenn.") % {"age": minimum}
            )
        return year

    def clean_languages(self) -> list[str]:
        chosen = self.cleaned_data["languages"]
        order = [code for code, _name in LANGUAGES]
        return sorted(set(chosen), key=order.index)


class ProfileForm(forms.Form):
    """What a volunteer may change about herself."""

    phone = ApplicationForm.base_fields["phone"]
    languages = ApplicationForm.base_fields["languages"]
    strengths = ApplicationForm.base_fields["strengths"]
    availability = ApplicationForm.base_fields["availability"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.fields["strengths"].label = _("What you would like to help with")
        self.fields["availability"].label = _("When you can usually meet")


class VolunteerImportForm(forms.Form):
    """The coordinator's spreadsheet of volunteers (volunteers.sheet reads it)."""

    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        error_messages={"required": _("Choose the file to import.")},
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        self.fields["file"].help_text = _(
            "At most %(mb)s MB and %(rows)s rows. Use the template's columns."
        ) % {
            "mb": sheet.MAX_BYTES // (1024 * 1024),
            "rows": f"{sheet.MAX_ROWS:,}".replace(",", " "),
        }


class VolunteerImportConfirmForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "I confirm that the volunteers in the sheet have consented to the association "
            "keeping their details."
        ),
        error_messages={"required": _("Confirm their consent to import them.")},
    )
    invite = forms.BooleanField(
        label=_("Send an invitation to log in now"),
        help_text=_(
            "To the approved volunteers. You can also send it later from each volunteer's page."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100, help_text=_("Name, email or phone")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Status.choices],
        widget=ListSelect,
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=_("All"),
        widget=ListSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All")), *LANGUAGES],
        widget=ListSelect,
    )
    course_complete = forms.ChoiceField(
        label=_("Required courses"),
        required=False,
        choices=[("", _("All")), ("yes", _("Completed")), ("no", _("Not completed"))],
        widget=ListSelect,
    )
    commitment_ending = forms.BooleanField(
        label=filled(
            ngettext_lazy(
                "Commitment ends within %(days)s day",
                "Commitment ends within %(days)s days",
                "days",
            ),
            days=COMMITMENT_ENDING_DAYS,
        ),
        required=False,
    )

    def __init__(self, *args, association: Association, **kwargs):
        super().__init__(*args, **kwargs)
        municipality = cast(forms.ModelChoiceField, self.fields["municipality"])
        municipality.queryset = association.municipalities.order_by("name")


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class InterviewForm(forms.Form):
    on = forms.DateField(label=_("Interview date"), widget=DateInput())
    note = forms.CharField(
        label=_("Short note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only what matters for the programme. She can ask to see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class ReferencesForm(forms.Form):
    first_on = forms.DateField(
        label=_("First reference checked on"), required=False, widget=DateInput()
    )
    second_on = forms.DateField(
        label=_("Second reference checked on"), required=False, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class ConfidentialityForm(forms.Form):
    on = forms.DateField(label=_("Signed on"), widget=DateInput())
    version = forms.ModelChoiceField(
        label=_("Version of the declaration"),
        queryset=ConfidentialityDeclaration.objects.all(),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class DeclarationPublishForm(forms.Form):
    """NKS sentralt publishes a new version of the confidentiality declaration."""

    text = forms.CharField(
        label=_("Text of the new version"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Write the text of the declaration.")},
    )
    confirmed = forms.BooleanField(
        label=_("I understand that every active ressursvenn must sign the new version again"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class DeclarationSignForm(forms.Form):
    """She signs the version she has read (its number travels with the form: a version
    published meanwhile is not signed unread)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(
        label=_("I have read the declaration and will keep it"),
        error_messages={"required": _("Tick the box to sign.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class PoliceCertificateForm(forms.Form):
    on = forms.DateField(
        label=_("Police certificate seen on"),
        widget=DateInput(),
        help_text=_("Only that it was shown is recorded: never a copy, never what it says."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class CommitmentEndForm(forms.Form):
    on = forms.DateField(label=_("Ended on"), widget=DateInput())
    reason = ListChoiceField(label=_("Reason"), programme_list=COMMITMENT_END_REASONS)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class RouteForm(forms.Form):
    association = forms.ModelChoiceField(
        label=_("Local association"),
        queryset=Association.objects.filter(is_active=True),
        to_field_name="public_id",
    )


SCREENING_FORMS = {
    "interview": InterviewForm,
    "references": ReferencesForm,
    "confidentiality": ConfidentialityForm,
    "police": PoliceCertificateForm,
}


class WellbeingCheckForm(forms.Form):
    """The short wellbeing check, answered from a phone in a few taps."""

    feeling = forms.TypedChoiceField(
        label=_("How are you doing?"),
        choices=Feeling.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you are doing.")},
    )
    needs_talk = forms.TypedChoiceField(
        label=_("Would you like to talk to your coordinator?"),
        choices=[("yes", _("Yes, please contact me")), ("no", _("No, not now"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    note = forms.CharField(
        label=_("Short note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only you and your coordinators can read it. You can delete it later."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
