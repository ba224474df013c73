import re
from typing import cast

from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.forms import MunicipalityField
from accounts.languages import LANGUAGES
from accounts.lists import ListChoiceField, ListFlagsField
from accounts.models import Association
from common.flags import FlagsFormField
from common.forms import DateInput, ListSelect, fields_only_helper
from courses.models import CONSIDERATIONS
from matching.models import (
    ACTIVITIES,
    MATCH_END_REASONS,
    MEETING_MAX_MINUTES,
    OUTCOMES_DURING,
    QUICK_DURATIONS,
    RELATIONSHIP_FIELDS,
    RELATIONSHIP_QUESTIONS,
    RELATIONSHIP_SCALE,
    WEIGHT_MAX,
    AgeBracket,
    AskedHow,
    CancelReason,
    ConflictCheckHow,
    InitiatedBy,
    MatchingWeights,
    Respondent,
    With,
    YesNoUnknown,
    meeting_duration_refusal,
)
from volunteers.models import NEEDS, Availability

AVOID_FIELDS = ("avoid_1", "avoid_2", "avoid_3", "avoid_4")


class ReferralForm(forms.Form):
    """What a shelter tells about a woman it refers. Nothing that identifies her."""

    alias = forms.CharField(
        label=_("Alias or first name"),
        max_length=40,
        help_text=_(
            "Only an alias or her first name: never her surname, national identity number or address."
        ),
    )
    age_bracket = forms.ChoiceField(
        label=_("Her age"), choices=AgeBracket.choices, widget=forms.RadioSelect
    )
    municipality = MunicipalityField(label=_("Municipality where she will live"))
    avoid_1 = MunicipalityField(label=_("Municipality to avoid"), required=False)
    avoid_2 = MunicipalityField(label=_("Another municipality to avoid"), required=False)
    avoid_3 = MunicipalityField(label=_("Another municipality to avoid"), required=False)
    avoid_4 = MunicipalityField(label=_("Another municipality to avoid"), required=False)
    preferred_language = forms.ChoiceField(label=_("Her preferred language"), choices=LANGUAGES)
    languages = forms.MultipleChoiceField(
        label=_("Other languages she speaks"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = PhoneNumberField(
        label=_("Her phone number (optional)"),
        region="NO",
        required=False,
        help_text=_(
            "Only if she wants the volunteer to call her. Shown to the volunteer once the match is active."
        ),
    )
    needs = ListFlagsField(
        label=_("What she would like help with"), programme_list=NEEDS, required=False
    )
    availability = FlagsFormField(
        label=_("When she can usually meet"), flag_choices=Availability, required=False
    )
    wish_age_bracket = forms.ChoiceField(
        label=_("Wished age of the volunteer"),
        # Volunteers are 25 or older, so the youngest bracket is not offered.
        choices=[("", _("No wish")), *AgeBracket.choices[1:]],
        required=False,
    )
    wish_language = forms.ChoiceField(
        label=_("Wished language of the volunteer"),
        choices=[("", _("No wish")), *LANGUAGES],
        required=False,
    )
    wishes = forms.CharField(
        label=_("Other wishes for the volunteer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    considerations = ListFlagsField(
        label=_("Special considerations"), programme_list=CONSIDERATIONS, required=False
    )
    safety_notes = forms.CharField(
        label=_("Safety notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the coordinator must know to keep her safe. Only coordinators see it, "
            "never the volunteer. No names or addresses."
        ),
    )
    desired_start = forms.DateField(label=_("Desired start"), required=False, widget=DateInput())
    consent_on = forms.DateField(label=_("She consented on"), widget=DateInput())
    consent_confirmed = forms.BooleanField(
        label=_("She has consented to this referral, and I record her consent."),
        error_messages={"required": _("A referral cannot be saved without her consent.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        if not self.is_bound:
            self.initial.setdefault("consent_on", timezone.localdate())
            self.initial.setdefault("preferred_language", "no")

    def clean_alias(self) -> str:
        alias = " ".join(self.cleaned_data["alias"].split())
        if re.search(r"\d", alias):
            raise forms.ValidationError(
                _("The alias cannot contain digits (never a national identity number).")
            )
        if len(alias.split()) > 2:
            raise forms.ValidationError(
                _("Use only an alias or her first name, not her full name.")
            )
        return alias

    def clean_consent_on(self):
        day = self.cleaned_data["consent_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of her consent cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        home = cleaned.get("municipality")
        avoid = [cleaned.get(name) for name in AVOID_FIELDS if cleaned.get(name)]
        for name in AVOID_FIELDS:
            if home and cleaned.get(name) == home:
                self.add_error(
                    name, _("She will live here, so it cannot also be a municipality to avoid.")
                )
        cleaned["avoid"] = list(dict.fromkeys(avoid))
        return cleaned

    def referral_data(self) -> dict:
        data = self.cleaned_data
        return {
            "alias": data["alias"],
            "age_bracket": data["age_bracket"],
            "municipality": data["municipality"],
            "preferred_language": data["preferred_language"],
            "phone": data["phone"].as_e164 if data.get("phone") else "",
            "needs": data["needs"],
            "availability": data["availability"],
            "wish_age_bracket": data["wish_age_bracket"],
            "wish_language": data["wish_language"],
            "wishes": data["wishes"],
            "considerations": data["considerations"],
            "safety_notes": data["safety_notes"],
            "desired_start": data["desired_start"],
            "consent_on": data["consent_on"],
        }


class _AssociationChoices(ModelChoiceIterator):
    """The associations to choose from as (public id, name) pairs: read as values, with no
    model instance (and its phone parsed) for each of the hundreds listed. (Validating the
    choice reads the chosen association as ever.)"""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("public_id", "name")


class TransferForm(forms.Form):
    association = forms.ModelChoiceField(
        label=_("Send to"),
        queryset=Association.objects.filter(is_active=True),
        to_field_name="public_id",
        widget=ListSelect,  # every association in the country
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, exclude: Association, **kwargs):
        super().__init__(*args, **kwargs)
        association = cast(forms.ModelChoiceField, self.fields["association"])
        association.iterator = _AssociationChoices
        association.queryset = Association.objects.filter(is_active=True).exclude(pk=exclude.pk)
        self.helper = fields_only_helper()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class FirstMeetingForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        help_text=_("Usually at the shelter. Write only what the volunteer needs to find it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()

    def at(self):
        from datetime import datetime

        return timezone.make_aware(
            datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        )


class ActivateForm(forms.Form):
    started_on = forms.DateField(label=_("The first meeting took place on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class ConflictCheckForm(forms.Form):
    """The coordinator records the volunteer's conflict check for her: when and how she
    confirmed that she knows neither the woman nor the abuser."""

    on = forms.DateField(
        label=_("She confirmed on"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the date she confirmed it."),
            "invalid": _("Enter a valid date, such as 04.12.2026."),
        },
    )
    how = forms.ChoiceField(
        label=_("How she confirmed it"),
        choices=ConflictCheckHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how she confirmed it.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return on


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[
            (value, label)
            for value, label in CancelReason.choices
            if value != CancelReason.WITHDRAWN
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


YES_NO = [("", "–"), ("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str):
    return {"yes": True, "no": False}.get(value)


# Each "did it come during the match?" names its outcome: four fields with one label could not
# be told apart in a screen reader's list of the form's fields.
DURING_LABELS = {
    "outcome_housing": _("If yes: did the housing come during the match?"),
    "outcome_work_or_study": _("If yes: did the work or study come during the match?"),
    "outcome_network": _("If yes: did the network come during the match?"),
    "outcome_help_services": _("If yes: did the contact with help services come during the match?"),
}


class EndForm(forms.Form):
    """Closing a match, and the outcome the programme is measured on."""

    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    end_planned = forms.TypedChoiceField(
        label=_("Was the end planned?"),
        choices=[("yes", _("Yes, as planned")), ("no", _("No, unplanned"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    end_initiated_by = forms.ChoiceField(label=_("Who ended it?"), choices=InitiatedBy.choices)
    end_reason = ListChoiceField(label=_("Reason"), programme_list=MATCH_END_REASONS)
    end_note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or details of the violence."),
    )
    new_match_for_woman = forms.TypedChoiceField(
        label=_("Would a new match be right for her?"),
        choices=YES_NO,
        coerce=_yes_no,
        required=False,
        empty_value=None,
    )
    new_match_for_volunteer = forms.TypedChoiceField(
        label=_("Would a new match be right for the volunteer?"),
        choices=YES_NO,
        coerce=_yes_no,
        required=False,
        empty_value=None,
    )
    outcome_moved_back = forms.ChoiceField(
        label=_("Did she move back to the abuser?"),
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Record whether she moved back to the abuser (yes, no or unknown).")
        },
    )
    outcome_housing = forms.ChoiceField(
        label=_("Does she have housing?"), choices=YesNoUnknown.choices, initial="unknown"
    )
    outcome_work_or_study = forms.ChoiceField(
        label=_("Does she have work or study?"), choices=YesNoUnknown.choices, initial="unknown"
    )
    outcome_network = forms.ChoiceField(
        label=_("Does she have a network of her own?"),
        choices=YesNoUnknown.choices,
        initial="unknown",
    )
    outcome_help_services = forms.ChoiceField(
        label=_("Does she have contact with help services?"),
        choices=YesNoUnknown.choices,
        initial="unknown",
        required=False,
        help_text=_("For example the crisis shelter, the family counselling office or NAV."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each outcome's "did it come during the match?" right after it (asked when "yes").
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name in OUTCOMES_DURING:
                fields[OUTCOMES_DURING[name]] = forms.TypedChoiceField(
                    label=DURING_LABELS[name],
                    choices=YES_NO,
                    coerce=_yes_no,
                    required=False,
                    empty_value=None,
                )
        self.fields = fields
        self.helper = fields_only_helper()

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The end date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        for name, during in OUTCOMES_DURING.items():
            if cleaned.get(during) is not None and cleaned.get(name) != YesNoUnknown.YES:
                self.add_error(
                    during,
                    _(
                        "Whether it came during the match is recorded only when the answer is "
                        "yes. Leave it empty, or answer yes above."
                    ),
                )
        return cleaned


class LaterOutcomeForm(forms.Form):
    """Six months after the end: the main outcome asked again (matching.services.match_later_outcome)."""

    later_moved_back = forms.ChoiceField(
        label=_("Six months later: has she moved back to the abuser?"),
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes, no or unknown.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class ReopenForm(forms.Form):
    """Reopening an ended referral for a new match: her consent, given again."""

    consent_again = forms.BooleanField(
        label=_("She has consented again to a new match"),
        error_messages={
            "required": _("Confirm that she has consented again. Without it, nothing is changed.")
        },
    )
    consent_on = forms.DateField(label=_("She consented on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        if not self.is_bound:
            self.initial.setdefault("consent_on", timezone.localdate())

    def clean_consent_on(self):
        day = self.cleaned_data["consent_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of her consent cannot be in the future."))
        return day


DURATION_CHOICES = [
    *((str(minutes), label) for minutes, label in QUICK_DURATIONS.items()),
    ("other", _("Other")),
]


class MeetingForm(forms.Form):
    """A meeting, logged from a phone in under a minute."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    met = forms.TypedChoiceField(
        label=_("Did you meet?"),
        choices=[("yes", _("Yes, we met")), ("no", _("Could not reach her"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="yes",
    )
    duration = forms.ChoiceField(
        label=_("How long?"),
        choices=DURATION_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        initial="60",
    )
    other_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, help_text=_("When you chose «Other».")
    )
    activities = ListFlagsField(
        label=_("What did you do?"), programme_list=ACTIVITIES, required=False
    )
    note = forms.CharField(
        label=_("Short note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
        help_text=_("Do not write names, addresses or details of the violence."),
    )
    concern = forms.CharField(
        label=_("What worries you?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your coordinator is told at once. In an emergency, call 112."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()
        if not self.is_bound:
            self.initial.setdefault("day", timezone.localdate())

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("met", True):
            cleaned["minutes"] = None
            return cleaned
        duration = cleaned.get("duration")
        if duration == "other":
            minutes = cleaned.get("other_minutes")
            if minutes is None:
                self.add_error("other_minutes", _("Write how many minutes."))
            elif not 1 <= minutes <= MEETING_MAX_MINUTES:
                self.add_error("other_minutes", meeting_duration_refusal())
            cleaned["minutes"] = minutes
        elif duration:
            cleaned["minutes"] = int(duration)
        else:
            self.add_error("duration", _("Choose how long you met."))
        return cleaned

    @classmethod
    def initial_from(cls, meeting) -> dict:
        quick = str(meeting.minutes) if meeting.minutes in QUICK_DURATIONS else "other"
        return {
            "day": meeting.date,
            "met": "yes" if meeting.met else "no",
            "duration": quick if meeting.minutes else "60",
            "other_minutes": meeting.minutes if quick == "other" else None,
            "activities": meeting.activities,
            "note": meeting.note,
        }


class ConcernForm(forms.Form):
    """ "I am worried", on its own: what happened, and whether someone is in danger now. With
    more than one match she chooses which it is about; with one, it is chosen for her."""

    match = forms.ChoiceField(label=_("Which match is it about?"))
    text = forms.CharField(
        label=_("What happened?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your coordinator is told at once. Do not write her full name or address."),
        error_messages={"required": _("Write what happened, so that your coordinator can help.")},
    )
    danger = forms.TypedChoiceField(
        label=_("Is someone in danger right now?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )

    def __init__(self, *args, matches: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.matches = {str(match.public_id): match for match in matches}
        field = cast(forms.ChoiceField, self.fields["match"])
        field.choices = [(key, match.referral.alias) for key, match in self.matches.items()]
        if len(matches) == 1:
            field.widget, field.required = forms.HiddenInput(), False
            self.initial["match"] = str(matches[0].public_id)
        self.helper = fields_only_helper()

    def clean_match(self):
        chosen = self.cleaned_data["match"]
        if not chosen and len(self.matches) == 1:
            return next(iter(self.matches.values()))
        return self.matches[chosen]


class ConcernFollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


# A radio's value for «did not answer»: asked, and no score (stored as None).
DID_NOT_ANSWER = 0


def _score_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in RELATIONSHIP_SCALE] + [(DID_NOT_ANSWER, _("Did not answer"))],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "relationship-scale"}),
    )


class FollowUpForm(forms.Form):
    """Record a follow-up conversation as held. With `ask` (the conversations of
    RELATIONSHIP_ASKED_AT) also the questions about how the pair is doing, put to the woman and
    to the volunteer separately: each optional, 1-5 or «did not answer»."""

    on = forms.DateField(label=_("Held on"), widget=DateInput())
    with_whom = FlagsFormField(label=_("With"), flag_choices=With)
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or details of the violence."),
    )

    def __init__(self, *args, ask: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask = ask
        self.helper = fields_only_helper()
        if not ask:
            return
        self.fields["woman_asked_how"] = forms.ChoiceField(
            label=_("How she was asked"),
            choices=[("", "---------"), *AskedHow.choices],
            required=False,
        )
        for name, to_woman, _to_volunteer, _short in RELATIONSHIP_QUESTIONS:
            self.fields[f"woman_{name}"] = _score_field(to_woman)
        for name, _to_woman, to_volunteer, _short in RELATIONSHIP_QUESTIONS:
            self.fields[f"volunteer_{name}"] = _score_field(to_volunteer)
        self.helper.layout = Layout(
            "on",
            "with_whom",
            "note",
            Fieldset(
                _("The woman's answers (if she was asked)"),
                "woman_asked_how",
                *(f"woman_{name}" for name in RELATIONSHIP_FIELDS),
            ),
            Fieldset(
                _("The volunteer's answers (if she was asked)"),
                *(f"volunteer_{name}" for name in RELATIONSHIP_FIELDS),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if (
            self.ask
            and any(cleaned.get(f"woman_{name}") is not None for name in RELATIONSHIP_FIELDS)
            and not cleaned.get("woman_asked_how")
        ):
            self.add_error("woman_asked_how", _("Choose how she was asked."))
        return cleaned

    def record_data(self) -> dict:
        """The cleaned data as follow_up_record takes it: the answers per respondent asked (a
        respondent with no radio chosen was not asked)."""
        data = {key: self.cleaned_data[key] for key in ("on", "with_whom", "note")}
        if not self.ask:
            return data
        answers = {}
        for respondent in Respondent.values:
            given = {
                name: self.cleaned_data.get(f"{respondent}_{name}") for name in RELATIONSHIP_FIELDS
            }
            if all(value is None for value in given.values()):
                continue
            scores = {k: (None if v == DID_NOT_ANSWER else v) for k, v in given.items()}
            if respondent == Respondent.WOMAN:
                scores["asked_how"] = self.cleaned_data.get("woman_asked_how") or ""
            answers[respondent] = scores
        data["answers"] = answers
        return data


class RescheduleForm(forms.Form):
    due_on = forms.DateField(label=_("New date"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class ListFilterForm(forms.Form):
    """Which of the coordinator's lists to show (`?vis=`). Anything unknown is invalid, and the
    view shows the default list."""

    vis = forms.ChoiceField(required=False)

    def __init__(self, *args, lists: type[models.TextChoices], **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = [("", _("Open")), *lists.choices]
        cast(forms.ChoiceField, self.fields["vis"]).choices = self.lists

    @property
    def show(self) -> str:
        return self.cleaned_data["vis"] if self.is_valid() else ""

    def tabs(self) -> list[dict]:
        """The lists as links, the one shown marked current."""
        show = self.show
        return [
            {"label": label, "query": f"?vis={value}" if value else "", "current": value == show}
            for value, label in self.lists
        ]


# What each weight does, in plain words (the labels are the parts' names on the suggestion page).
WEIGHT_HELP = {
    "distance": _(
        "How much it counts that the volunteer lives near the municipality where the woman will"
        " live."
    ),
    "language": _(
        "How much it counts that they share a language. Her preferred language counts most."
    ),
    "needs": _(
        "How much it counts that the volunteer's strengths cover what the woman would like help"
        " with."
    ),
    "availability": _("How much it counts that they can usually meet at the same times."),
    "age": _("How much it counts that the volunteer's age fits the woman's wish, if she has one."),
    "waiting": _(
        "How much it counts that the volunteer has waited long since she was approved or last"
        " matched. This keeps the turns fair."
    ),
    "experience": _(
        "How much earlier completed matches count. Counts double when the woman has special"
        " considerations."
    ),
}


class MatchingWeightsForm(forms.Form):
    """One whole number per part of the score; at least one above 0."""

    def __init__(self, *args, **kwargs):
        from matching.scoring import PART_LABELS

        super().__init__(*args, **kwargs)
        message = _("Give a whole number from 0 to %(max)s.") % {"max": WEIGHT_MAX}
        for part in MatchingWeights.PARTS:
            self.fields[part] = forms.IntegerField(
                label=PART_LABELS[part](),
                help_text=WEIGHT_HELP[part],
                min_value=0,
                max_value=WEIGHT_MAX,
                error_messages=dict.fromkeys(
                    ("required", "invalid", "min_value", "max_value"), message
                ),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "weight-input"}),
            )
        self.helper = fields_only_helper()

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(part) for part in MatchingWeights.PARTS):
            raise forms.ValidationError(_("At least one weight must be above 0."))
        return data

    def weights(self) -> dict[str, int]:
        return {part: self.cleaned_data[part] for part in MatchingWeights.PARTS}
