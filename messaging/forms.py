"""The message a coordinator (to volunteers) or a national admin (to coordinators) writes, with
who it goes to. A text with an outing word is refused next to the field, the word named."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.languages import LANGUAGES
from accounts.models import Association
from common.forms import fields_only_helper
from courses.models import Course
from messaging import selectors
from messaging.selectors import Recipient
from messaging.services import outing_words, outing_words_refusal
from supervision.models import SupervisionGroup
from volunteers.models import ACTIVE, LEFT, Status


class _MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    subject_en = forms.CharField(
        label=_("Subject in English"),
        max_length=150,
        required=False,
        help_text=_("Optional. Those who read English get the English text."),
    )
    body_en = forms.CharField(
        label=_("Message in English"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = fields_only_helper()

    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body", "subject_en", "body_en"):
            words = outing_words(cleaned.get(name) or "")
            if words:
                self.add_error(name, outing_words_refusal(words))
        if bool(cleaned.get("subject_en")) != bool(cleaned.get("body_en")):
            self.add_error(
                "body_en" if cleaned.get("subject_en") else "subject_en",
                _("Write both the subject and the message in English, or neither."),
            )
        return cleaned

    def texts(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name] for name in ("subject", "body", "subject_en", "body_en")
        }


class VolunteerMessageForm(_MessageForm):
    """A coordinator's message to her association's volunteers, filtered."""

    statuses = forms.MultipleChoiceField(
        label=_("Status"),
        # Never those who have left: they are not written to (Volunteer.refusal, NOTIFY).
        choices=[(value, label) for value, label in Status.choices if value not in LEFT],
        initial=list(ACTIVE),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one status.")},
    )
    course = forms.ModelChoiceField(
        label=_("Has completed the course"),
        queryset=Course.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Any"),
    )
    group = forms.ModelChoiceField(
        label=_("Member of the supervision group"),
        queryset=SupervisionGroup.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Any"),
    )
    language = forms.ChoiceField(label=_("Speaks"), required=False)

    field_order = ["statuses", "course", "group", "language"]

    def __init__(self, *args, user, association_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.association_id = association_id
        course = self.fields["course"]
        group = self.fields["group"]
        language = self.fields["language"]
        assert isinstance(course, forms.ModelChoiceField)
        assert isinstance(group, forms.ModelChoiceField)
        assert isinstance(language, forms.ChoiceField)
        course.queryset = Course.objects.filter(is_active=True).order_by("title")
        group.queryset = SupervisionGroup.objects.filter(association_id=association_id)
        language.choices = [("", _("Any")), *LANGUAGES]

    def recipients(self) -> list[Recipient]:
        data = self.cleaned_data
        return selectors.volunteer_recipients(
            selectors.volunteers_for(
                self.user,
                association_id=self.association_id,
                statuses=data["statuses"],
                course=data["course"],
                group=data["group"],
                language=data["language"],
            )
        )

    def criteria(self) -> dict:
        data = self.cleaned_data
        return {
            "statuses": data["statuses"],
            "course": str(data["course"].public_id) if data["course"] else "",
            "group": str(data["group"].public_id) if data["group"] else "",
            "language": data["language"],
        }


class AssociationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class CoordinatorMessageForm(_MessageForm):
    """A national admin's message to the coordinators of every association, or of some."""

    associations = AssociationChoices(
        label=_("Associations"),
        queryset=Association.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the coordinators of every association."),
    )

    field_order = ["associations"]

    def recipients(self) -> list[Recipient]:
        chosen = self.cleaned_data["associations"]
        return selectors.coordinator_recipients(
            association_ids=[a.pk for a in chosen] if chosen else None
        )

    def criteria(self) -> dict:
        return {"associations": sorted(a.pk for a in self.cleaned_data["associations"])}
