from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from common.forms import fields_only_helper
from supervision.models import DEFAULT_EVERY_WEEKS
from volunteers.models import Status, Volunteer


def _approved(association_id: int):
    return Volunteer.objects.filter(
        association_id=association_id, status=Status.APPROVED, erased_at__isnull=True
    ).order_by("first_name", "last_name", "id")


class VolunteerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class LeaderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class ExpectationForm(forms.Form):
    every_weeks = forms.IntegerField(
        label=_("A volunteer with an active match attends supervision at least every … weeks"),
        min_value=1,
        max_value=52,
        initial=DEFAULT_EVERY_WEEKS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    leader = LeaderChoice(
        label=_("Group leader"),
        queryset=Volunteer.objects.none(),
        to_field_name="public_id",
        required=False,
        help_text=_("An approved volunteer of the association who leads the group."),
    )
    members = VolunteerChoices(
        label=_("Members"),
        queryset=Volunteer.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, association_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        approved = _approved(association_id)
        self.fields["leader"].queryset = approved  # type: ignore[attr-defined]
        self.fields["members"].queryset = approved  # type: ignore[attr-defined]
        self.helper = fields_only_helper()


class GroupSessionForm(forms.Form):
    """A session of the group: date, times (Oslo time) and place."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    starts = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        help_text=_("Shown to the members and in their calendars."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()

    @staticmethod
    def _aware(day, time) -> datetime:
        return timezone.make_aware(datetime.combine(day, time), timezone.get_current_timezone())

    def clean(self):
        cleaned = super().clean()
        day, starts, ends = cleaned.get("date"), cleaned.get("starts"), cleaned.get("ends")
        if day is None or starts is None or ends is None:
            return cleaned
        starts_at, ends_at = self._aware(day, starts), self._aware(day, ends)
        if ends_at <= starts_at:
            self.add_error("ends", pgettext("supervision", "The session must end after it starts."))
        else:
            # A session already held may be entered afterwards, to record its attendance.
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned


class AttendanceForm(forms.Form):
    attended = VolunteerChoices(
        label=_("Attended"),
        queryset=Volunteer.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = members  # type: ignore[attr-defined]
        self.fields["attended"].error_messages["invalid_choice"] = _(
            "Someone ticked is not a member of this group, so her attendance cannot be recorded."
        )
        self.helper = fields_only_helper()
