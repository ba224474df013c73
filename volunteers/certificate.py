"""Her volunteer certificate (frivillighetsattest): a one-page PDF with her name, the programme in
general words, her association, her period, the courses she completed and her hours per year.

It tells an employer or a school what she did, and never anything about the women she helped:
the programme is described in general words only (tests/security/test_leaks.py checks the text
against settings.SENSITIVE_WORDS). Made with reportlab and its built-in Type 1 fonts (Helvetica,
WinAnsi encoding: æøå and the en dash are in it), so nothing is fetched at run time.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Max, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from common.outing import outing_words
from courses.models import Course, EnrolmentStatus
from volunteers.models import Volunteer, VolunteerAction
from volunteers.selectors import YearHours, volunteer_hours

FILENAME = "frivillighetsattest.pdf"


@dataclass(frozen=True)
class Certificate:
    name: str
    association: str
    starts_on: date
    ends_on: date | None  # None: she is still a ressursvenn
    courses: Sequence[tuple[Course, date]]
    hours: list[YearHours]


def refusal(volunteer: Volunteer) -> str | None:
    """Why no certificate can be made for her (None: it can): she is erased (the one rule,
    Volunteer.refusal), or her year of commitment has not started."""
    if reason := volunteer.refusal(VolunteerAction.CERTIFICATE):
        return reason
    if not volunteer.commitments.all():  # prefetched on her coordinator's page
        return _("There is no certificate before her year of commitment has started.")
    return None


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def certificate_for(volunteer: Volunteer) -> Certificate:
    """What the certificate says, read from the database."""
    commitments = list(volunteer.commitments.all())
    starts_on = min(c.starts_on for c in commitments)
    ends_on = (
        None
        if any(c.is_open for c in commitments)
        else max(c.ended_on or c.ends_on for c in commitments)
    )
    attended = Q(
        sessions__enrolments__volunteer=volunteer,
        sessions__enrolments__status=EnrolmentStatus.ATTENDED,
        sessions__cancelled_at__isnull=True,
        sessions__ends_at__lte=timezone.now(),
    )
    courses = [
        (course, timezone.localdate(course.completed_at))
        for course in Course.objects.annotate(
            completed_at=Max("sessions__ends_at", filter=attended)
        )
        .filter(completed_at__isnull=False)
        .order_by("completed_at", "title")
    ]
    last = (ends_on or timezone.localdate()).year
    return Certificate(
        name=volunteer.full_name,
        association=volunteer.association.name if volunteer.association else "",
        starts_on=starts_on,
        ends_on=ends_on,
        courses=courses,
        hours=volunteer_hours(volunteer, list(range(starts_on.year, last + 1))),
    )


def course_name(course: Course) -> str:
    """The course's title, unless it names what the women lived through (the catalogue's basic
    course does): then the kind of course alone, in general words."""
    if outing_words(course.title):
        return str(course.get_kind_display())
    return course.title


def _hours(value: float) -> str:
    return formats.number_format(round(value, 1), 1)


def render_pdf(certificate: Certificate, language: str) -> bytes:
    """The certificate as a PDF in `language` (nb or en). Page compression is off: a page of
    text is small, and its words can be read in the file (the tests do)."""
    with translation.override(language):
        return _render(certificate)


def _render(certificate: Certificate) -> bytes:
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    body.fontSize, body.leading = 11, 15

    def day(value: date) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT")

    period_end = day(certificate.ends_on) if certificate.ends_on else _("today")
    title = _("Volunteer certificate")
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                _(
                    "This is to confirm that %(name)s has been a volunteer (ressursvenn) with "
                    "%(association)s from %(start)s to %(end)s."
                )
                % {
                    "name": certificate.name,
                    "association": certificate.association,
                    "start": day(certificate.starts_on),
                    "end": period_end,
                }
            ),
            body,
        ),
        Paragraph(
            escape(
                _(
                    "Ressursvenner is a programme of Norske Kvinners Sanitetsforening in which "
                    "volunteers are a supportive friend to women who are establishing themselves "
                    "anew. A ressursvenn meets the woman regularly for a year, helps her build a "
                    "network and take part in the life of the local community."
                )
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Courses completed")), heading),
    ]
    if certificate.courses:
        story.append(
            _table(
                [[_("Course"), _("Completed")]]
                + [[course_name(course), day(on)] for course, on in certificate.courses]
            )
        )
    else:
        story.append(Paragraph(escape(_("No courses registered.")), body))
    story += [Spacer(1, 4 * mm), Paragraph(escape(_("Hours as a volunteer")), heading)]
    labels = [label for label, _hours_ in certificate.hours[0].parts] if certificate.hours else []
    story.append(
        _table(
            [[_("Year"), *labels, _("Total")]]
            + [
                [str(year.year), *(_hours(h) for _label, h in year.parts), _hours(year.total)]
                for year in certificate.hours
            ]
        )
    )
    story += [
        Spacer(1, 10 * mm),
        Paragraph(
            escape(
                _("Issued %(date)s by %(association)s.")
                % {"date": day(timezone.localdate()), "association": certificate.association}
            ),
            body,
        ),
    ]
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=certificate.association,
        pageCompression=0,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=22 * mm,
        bottomMargin=22 * mm,
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table
