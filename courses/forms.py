from datetime import datetime
from typing import cast

from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.lists import ListFlagsField
from accounts.models import Association
from common.forms import fields_only_helper
from courses.models import CONSIDERATIONS, KINDS_OFFERED, Course, EnrolmentStatus, Session


class SessionForm(forms.Form):
    """A course session: which course, when, where and how many seats. Times are Oslo time."""

    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), to_field_name="public_id"
    )
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
        help_text=_("Shown to the volunteers and in their calendars."),
    )
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)
    notes = forms.CharField(
        label=_("Notes for participants"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example what to bring. Do not write anything sensitive."),
    )

    def __init__(self, *args, session: Session | None = None, **kwargs):
        self.session = session
        if session is not None and "initial" not in kwargs:
            starts_at = timezone.localtime(session.starts_at)
            kwargs["initial"] = {
                "course": session.course,
                "date": starts_at.date(),
                "starts": starts_at.time(),
                "ends": timezone.localtime(session.ends_at).time(),
                "place": session.place,
                "capacity": session.capacity,
                "notes": session.notes,
            }
        super().__init__(*args, **kwargs)
        offered = Q(is_active=True)
        if session is not None:
            offered |= Q(pk=session.course_id)  # keep its course even if no longer offered
        course = cast(forms.ModelChoiceField, self.fields["course"])
        course.queryset = Course.objects.filter(offered)
        self.helper = fields_only_helper()

    @staticmethod
    def _aware(day, time) -> datetime:
        # Typed as Oslo wall-clock time; stored as an instant.
        return timezone.make_aware(datetime.combine(day, time), timezone.get_current_timezone())

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if self.session is not None:
            # The service checks this again under a lock; here it can stand beside the field.
            seated = self.session.enrolments.seated().count()
            if capacity < seated:
                raise forms.ValidationError(
                    ngettext(
                        "%(seated)s volunteer already has a seat; the number of seats cannot be lower.",
                        "%(seated)s volunteers already have a seat; the number of seats cannot be lower.",
                        seated,
                    )
                    % {"seated": seated}
                )
        return capacity

    def clean(self):
        cleaned = super().clean()
        day, starts, ends = cleaned.get("date"), cleaned.get("starts"), cleaned.get("ends")
        if day is None or starts is None or ends is None:
            return cleaned
        starts_at, ends_at = self._aware(day, starts), self._aware(day, ends)
        if ends_at <= starts_at:
            self.add_error("ends", _("The session must end after it starts."))
        elif starts_at <= timezone.now():
            self.add_error("date", _("Choose a date and time that have not passed yet."))
        else:
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned


class EnrolSearchForm(forms.Form):
    """Find volunteers to sign up for a session by a part of the name, the email address or
    the phone number. Posted, and kept out of the address (common.searches)."""

    q = forms.CharField(
        label=_("Name, email or phone"),
        min_length=2,
        max_length=100,
        error_messages={
            "required": _("Type a part of her name, her email address or her phone number."),
            "min_length": _("Type at least 2 letters or digits."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


class VolunteerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, volunteer) -> str:
        return f"{volunteer.full_name} ({volunteer.get_status_display()}, {volunteer.email})"


class EnrolForm(forms.Form):
    """Sign up one or a few volunteers found by a search (`candidates`, courses.selectors).

    The boxes offered are the candidates; any volunteer of her association is accepted, so
    someone enrolled meanwhile by a colleague is reported by the service with a reason instead
    of failing the form.
    """

    volunteers = VolunteerChoiceField(
        label=_("Volunteers found"),
        queryset=None,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one volunteer to sign up.")},
    )

    def __init__(self, *args, user, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        volunteer_model = apps.get_model("volunteers", "Volunteer")
        field = cast(forms.ModelMultipleChoiceField, self.fields["volunteers"])
        field.queryset = volunteer_model.objects.for_user(user)
        self.offer(candidates)
        self.helper = fields_only_helper()

    def offer(self, candidates) -> None:
        """The boxes shown: the volunteers a search found."""
        field = cast(VolunteerChoiceField, self.fields["volunteers"])
        self.candidates = list(candidates)
        field.choices = [(v.public_id, field.label_from_instance(v)) for v in self.candidates]


class AttendanceForm(forms.Form):
    """One box per volunteer with a place (a seat on a course session, a sign-up for a
    gathering): ticked attended, unticked absent. Both statuses say "attended" alike."""

    attended: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Attended"),
        queryset=None,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Those not ticked are registered as absent."),
    )

    def __init__(self, *args, seated, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        field.queryset = seated
        field.label_from_instance = lambda place: place.volunteer.full_name
        field.initial = [p.public_id for p in seated if p.status == EnrolmentStatus.ATTENDED]
        self.helper = fields_only_helper()


class CourseAdminForm(forms.ModelForm):
    """The catalogue in the admin: the considerations a course qualifies for as checkboxes."""

    qualifies_for = ListFlagsField(
        programme_list=CONSIDERATIONS,
        required=False,
        label=_("qualifies for"),
        help_text=_("The special considerations a volunteer who completed it is trained for."),
    )

    class Meta:
        model = Course
        fields = (
            "title",
            "description",
            "kind",
            "required_for_matching",
            "qualifies_for",
            "validity_months",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Supervision is no longer a course; a course that was one keeps its kind in the list.
        kept = {self.instance.kind} if self.instance.pk else set()
        self.fields["kind"].choices = [
            (value, label)
            for value, label in self.fields["kind"].choices
            if not value or value in KINDS_OFFERED or value in kept
        ]


class CourseCatalogueForm(CourseAdminForm):
    """The catalogue in the national admin's pages: as in Django's admin, with a message of our
    own for a title taken. Whether it is offered is changed with its own button."""

    class Meta(CourseAdminForm.Meta):
        fields: tuple[str, ...] = (  # type: ignore[assignment]
            "title",
            "description",
            "kind",
            "required_for_matching",
            "qualifies_for",
            "validity_months",
        )
        error_messages = {"title": {"unique": _("There is already a course with this title.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()


def seats_too_few(signed: int) -> str:
    return _("%(signed)s volunteers are signed up already; the seats cannot be fewer.") % {
        "signed": signed
    }


class GatheringForm(forms.Form):
    """A gathering: title, when, where, the sign-up deadline and perhaps a seat limit. A national
    admin also chooses whom it is for (national, or the associations named); a coordinator's is
    for her own association. Times are Oslo time."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example «Årlig samling for ressursvenner 2027»."),
    )
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
        help_text=_("Shown to the volunteers and in their calendars."),
    )
    sign_up_by = forms.DateField(
        label=_("Sign-up deadline"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The last day volunteers can sign up."),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=10000,
        required=False,
        help_text=_("Leave empty when there is no limit."),
    )
    description = forms.CharField(
        label=_("About the gathering"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The programme, what to bring. Do not write anything sensitive."),
    )
    national = forms.BooleanField(
        label=_("National: every association's volunteers are invited"), required=False
    )
    associations = forms.ModelMultipleChoiceField(
        label=_("Or for these associations"),
        queryset=Association.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, national_admin: bool, gathering=None, signed: int = 0, **kwargs):
        """`gathering`: the one changed (its values are the initial ones); `signed`: how many
        hold a seat at it (the seats cannot be fewer)."""
        if gathering is not None:
            starts = timezone.localtime(gathering.starts_at)
            kwargs.setdefault(
                "initial",
                {
                    "title": gathering.title,
                    "date": starts.date(),
                    "starts": starts.time(),
                    "ends": timezone.localtime(gathering.ends_at).time(),
                    "place": gathering.place,
                    "sign_up_by": gathering.sign_up_by,
                    "capacity": gathering.capacity,
                    "description": gathering.description,
                    "national": gathering.national,
                    "associations": list(gathering.associations.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.gathering, self.signed = gathering, signed
        self.national_admin = national_admin
        if national_admin and gathering is not None and gathering.organiser_id is not None:
            # An association's gathering is for that association, whoever changes it.
            national_admin = self.national_admin = False
        if national_admin:
            field = cast(forms.ModelMultipleChoiceField, self.fields["associations"])
            field.queryset = Association.objects.order_by("name")
        else:
            del self.fields["national"]
            del self.fields["associations"]
        self.helper = fields_only_helper()

    def clean(self):
        cleaned = super().clean()
        day, starts, ends = cleaned.get("date"), cleaned.get("starts"), cleaned.get("ends")
        if self.national_admin and not cleaned.get("national") and not cleaned.get("associations"):
            self.add_error(
                "associations",
                _("Choose the associations whose volunteers are invited, or make it national."),
            )
        if day is None or starts is None or ends is None:
            return cleaned
        starts_at, ends_at = SessionForm._aware(day, starts), SessionForm._aware(day, ends)
        if ends_at <= starts_at:
            self.add_error("ends", _("The gathering must end after it starts."))
            return cleaned
        if starts_at <= timezone.now():
            self.add_error("date", _("Choose a date and time that have not passed yet."))
            return cleaned
        sign_up_by = cleaned.get("sign_up_by")
        if sign_up_by is not None:
            if sign_up_by > day:
                self.add_error(
                    "sign_up_by",
                    _("The sign-up deadline must be on or before the day of the gathering."),
                )
            elif sign_up_by < timezone.localdate() and (
                self.gathering is None or sign_up_by != self.gathering.sign_up_by
            ):
                self.add_error("sign_up_by", _("The sign-up deadline has passed already."))
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < self.signed:
            self.add_error("capacity", seats_too_few(self.signed))
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned


class GatheringSignUpForm(forms.Form):
    """Her coordinator signs one of her association's invited volunteers up."""

    volunteer: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Volunteer"),
        queryset=None,
        to_field_name="public_id",
        error_messages={"required": _("Choose the volunteer to sign up.")},
    )

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["volunteer"])
        field.queryset = volunteers
        field.label_from_instance = lambda volunteer: volunteer.full_name
        self.helper = fields_only_helper()
