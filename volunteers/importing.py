"""Importing an association's volunteers from its own spreadsheet (volunteers.sheet).

Two steps. `import_preview` reads the file, checks every row and keeps the result on the server
(a VolunteerImport, its rows encrypted): what each row will become (new, already known by her
email address and left as she is, or invalid with the reason). Nothing is imported then.
`import_confirm` imports the new rows in one transaction.

All or nothing: the import can be confirmed only when no row is invalid. The coordinator fixes
the rows the preview names in her own sheet and uploads it again; so her sheet and the system
never disagree about who was moved in, and no volunteer is half-imported. A row already known by
her email address is not an error: it is left out (and says so), so the same sheet can be
uploaded again after a fix.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from phonenumber_field.formfields import PhoneNumberField

from accounts.forms import MunicipalityLookup
from accounts.languages import LANGUAGES
from accounts.models import Association, Membership, User
from common.dates import add_months, add_years
from courses.models import Enrolment, EnrolmentStatus, Session
from courses.selectors import required_courses
from volunteers import sheet
from volunteers.models import (
    ACTIVE,
    CommitmentPause,
    CommitmentPeriod,
    Status,
    Volunteer,
    VolunteerImport,
    VolunteerLanguage,
    birth_year_problem,
)
from volunteers.selectors import running_period
from volunteers.services import VolunteerError, volunteer_login_invite

# The statuses a sheet may give: an applicant at any stage, or an active ressursvenn. One who
# has left is not moved in.
IMPORTABLE = (Status.APPLIED, Status.SCREENING, Status.COURSE, Status.APPROVED, Status.PAUSED)
# An import waits this long for her confirmation, then it is deleted (retention.py).
KEPT_HOURS = 24

NEW, KNOWN, INVALID = "new", "known", "invalid"


@dataclass
class Row:
    """One row of the sheet as checked: its line in the file, what it will become, why not
    (invalid), and the values to import (JSON-safe: dates as ISO text)."""

    line: int
    outcome: str
    problems: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    shown: dict = field(default_factory=dict)  # what the preview shows (text)
    known_status: str = ""  # a known row: the status she has now

    @property
    def known_status_label(self) -> str:
        return str(Status(self.known_status).label).lower() if self.known_status else ""

    @property
    def cells(self) -> list[tuple[str, object]]:
        """The preview's cells: each column's header and what the row holds."""
        return [(column.header, self.shown.get(column.key, "")) for column in sheet.COLUMNS]


def sheet_error_message(code: str) -> str:
    return {
        "too_large_unpacked": _(
            "The spreadsheet is too large when unpacked. Split it into smaller files."
        ),
        "too_large": _("The file is larger than %(mb)s MB. Split it into smaller files.")
        % {"mb": sheet.MAX_BYTES // (1024 * 1024)},
        "too_many_rows": _("The file has more than %(rows)s rows. Split it into smaller files.")
        % {"rows": sheet.MAX_ROWS},
        "empty": _("The file is empty."),
        "old_excel": _(
            "This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again."
        ),
        "no_columns": _(
            "We found none of the template's columns in the first row. Use the template's headers."
        ),
    }.get(code, _("This is not a spreadsheet we can read. Upload an .xlsx or a CSV file."))


# --- Checking one value -------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # An apostrophe in front of a text a spreadsheet could take for a formula (as typed in Excel,
    # or put there by this export before it wrote such texts as text cells).
    return text[1:] if text.startswith("'") else text


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _phone(value: object) -> str:
    """A phone number as text. Excel turns +4791234567 into the number 4791234567: ten digits
    starting with 47 are read as +47 and the eight digits after it; eight digits alone are a
    Norwegian number."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        if len(digits) == 10 and digits.startswith("47"):
            return "+" + digits
        return digits
    return _text(value)


def _status(text: str) -> str | None:
    word = text.strip().lower()
    for code, sheet_word in sheet.STATUS_WORDS.items():
        if word in (code, sheet_word, str(Status(code).label).lower()):
            return code
    return None


class _Languages:
    """Language codes, or their names in Norwegian or English, read once."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        for language in ("en", "nb"):
            with translation.override(language):
                for code, name in LANGUAGES:
                    self.codes[str(name).lower()] = code
        for code, _name in LANGUAGES:
            self.codes[code] = code
        self.codes.setdefault("norsk", "no")
        self.codes.setdefault("nb", "no")
        self.codes.setdefault("engelsk", "en")

    def read(self, text: str) -> tuple[list[str], list[str]]:
        found, unknown = [], []
        for part in text.replace(";", ",").replace("/", ",").split(","):
            word = part.strip().lower()
            if not word:
                continue
            code = self.codes.get(word)
            if code is None:
                unknown.append(part.strip())
            elif code not in found:
                found.append(code)
        return found, unknown


_PHONE = PhoneNumberField(region="NO")
_EMAIL = forms.EmailField()


def _check_row(
    line: int,
    raw: dict[str, object],
    *,
    known: dict[str, str],
    seen: dict[str, int],
    municipalities: MunicipalityLookup,
    languages: _Languages,
    course_expiry: tuple[date, int] | None = None,
) -> Row:
    problems: list[str] = []
    values: dict = {}
    shown: dict = {key: sheet.cell_text(raw.get(key)) for key in sheet.COLUMN_KEYS}

    for key, value in raw.items():
        if key == "phone" and isinstance(value, str) and sheet.PHONE_TEXT.match(value.strip()):
            continue
        if sheet.looks_like_formula(value):
            header = next(c.header for c in sheet.COLUMNS if c.key == key)
            problems.append(
                _("«%(column)s» holds a formula or starts with =, +, - or @.") % {"column": header}
            )
            raw = {**raw, key: ""}
            shown[key] = ""
    for key in ("first_name", "last_name"):
        text = _text(raw.get(key))
        if not text:
            problems.append(
                _("First name missing.") if key == "first_name" else _("Last name missing.")
            )
        values[key] = text[:100]

    email = _text(raw.get("email")).lower()
    try:
        values["email"] = _EMAIL.clean(email)
    except forms.ValidationError:
        problems.append(_("Email address missing or invalid."))
    else:
        if email in seen:
            problems.append(
                _("The same email address as line %(line)s in the file.") % {"line": seen[email]}
            )
        else:
            seen[email] = line

    try:
        values["phone"] = str(_PHONE.clean(_phone(raw.get("phone"))))
    except forms.ValidationError:
        problems.append(_("Phone number missing or invalid."))

    municipality, why = municipalities.find(_text(raw.get("municipality")))
    if municipality is None:
        name = _text(raw.get("municipality"))
        problems.append(
            _("Municipality missing.")
            if not name
            else _("Two municipalities are called «%(name)s»: add the county.") % {"name": name}
            if why == "ambiguous"
            else _("Unknown municipality «%(name)s».") % {"name": name}
        )
    else:
        values["municipality"] = municipality.pk
        shown["municipality"] = municipality.label

    try:
        year = int(_text(raw.get("birth_year")))
    except ValueError:
        problems.append(_("Year of birth missing or not a year."))
    else:
        values["birth_year"] = year
        problem = birth_year_problem(year)
        if problem == "too_young":
            problems.append(
                _("She must be at least %(age)s years old to be a ressursvenn.")
                % {"age": settings.VOLUNTEER_MINIMUM_AGE}
            )
        elif problem:
            problems.append(_("Check the year of birth."))

    codes, unknown = languages.read(_text(raw.get("languages")))
    if unknown:
        problems.append(_("Unknown language: %(names)s.") % {"names": ", ".join(unknown)})
    elif not codes:
        problems.append(_("No language given."))
    values["languages"] = codes

    woman = _text(raw.get("is_woman")).lower()
    if woman in sheet.NO:
        problems.append(
            _("Marked as a man: only women can be ressursvenner, so this row cannot be imported.")
        )
    elif woman not in sheet.YES:
        problems.append(_("«Kvinne» must say «ja»: only women can be ressursvenner."))

    status = _status(_text(raw.get("status")))
    if status is None:
        problems.append(
            _("Unknown status «%(status)s».") % {"status": _text(raw.get("status"))}
            if _text(raw.get("status"))
            else _("Status missing.")
        )
    elif status not in IMPORTABLE:
        problems.append(_("Only applicants and active volunteers can be imported."))
    else:
        values["status"] = status
        shown["status"] = str(Status(status).label)

    today = timezone.localdate()
    for key in ("course_completed_on", "commitment_from"):
        if _blank(raw.get(key)):
            values[key] = None
            continue
        try:
            day = _day(raw.get(key))
        except ValueError:
            problems.append(
                _("«%(column)s» is not a date (write it as 31.12.2025).")
                % {"column": next(c.header for c in sheet.COLUMNS if c.key == key)}
            )
            continue
        values[key] = day.isoformat() if day else None
        shown[key] = sheet.cell_text(day)
        if day and day > today:
            problems.append(
                _("«%(column)s» is in the future.")
                % {"column": next(c.header for c in sheet.COLUMNS if c.key == key)}
            )
    completed_on = values.get("course_completed_on")
    if course_expiry and completed_on and date.fromisoformat(completed_on) <= course_expiry[0]:
        problems.append(
            ngettext(
                "The course was completed more than %(months)s month ago and must be taken "
                "again before she can be matched.",
                "The course was completed more than %(months)s months ago and must be taken "
                "again before she can be matched.",
                course_expiry[1],
            )
            % {"months": course_expiry[1]}
        )
    if status in ACTIVE:
        if _blank(raw.get("course_completed_on")):
            problems.append(_("An approved volunteer needs the date she completed the course."))
        start = values.get("commitment_from")
        if _blank(raw.get("commitment_from")):
            problems.append(_("An approved volunteer needs the date her commitment started."))
        elif start and add_years(date.fromisoformat(start), 1) <= today:
            problems.append(
                _("Her commitment from %(day)s is over: give the start of her current year.")
                % {"day": shown["commitment_from"]}
            )
    values["motivation"] = _text(raw.get("motivation"))[:3000]

    if problems:
        return Row(line, INVALID, problems, values, shown)
    if values["email"] in known:
        return Row(line, KNOWN, [], values, shown, known_status=known[values["email"]])
    return Row(line, NEW, [], values, shown)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- The two steps ------------------------------------------------------------------------------


def _known_emails(association: Association, emails: list[str]) -> dict[str, str]:
    """Those of `emails` that already belong to a volunteer of the association, with her status
    (one query). Only her own association's: the import never tells whether someone applied
    elsewhere."""
    return dict(
        Volunteer.objects.filter(association=association, erased_at__isnull=True)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[email.lower() for email in emails])
        .values_list("email_lower", "status")
    )


def _course_expiry(today: date) -> tuple[date, int] | None:
    """The last course date too old to count as completing the courses required for matching
    (a session ending on it is past their validity by today's end, courses.selectors), and the
    shortest validity in months; None when no required course expires."""
    months = min((c.validity_months for c in required_courses() if c.validity_months), default=0)
    return (add_months(today, -months), months) if months else None


def check_rows(association: Association, parsed: sheet.Sheet) -> list[Row]:
    """Every row of `parsed` checked: one query for the known emails, the municipalities read
    once."""
    emails = [sheet_email for _line, raw in parsed.rows if (sheet_email := _text(raw.get("email")))]
    known = _known_emails(association, [e.lower() for e in emails])
    municipalities = MunicipalityLookup()
    languages = _Languages()
    seen: dict[str, int] = {}
    course_expiry = _course_expiry(timezone.localdate())
    return [
        _check_row(
            line,
            raw,
            known=known,
            seen=seen,
            municipalities=municipalities,
            languages=languages,
            course_expiry=course_expiry,
        )
        for line, raw in parsed.rows
    ]


@transaction.atomic
def import_preview(*, association: Association, by: User, data: bytes) -> VolunteerImport:
    """Read and check an uploaded sheet; import nothing. Raises sheet.SheetError (its code;
    sheet_error_message words it) for a file that cannot be read or lacks a required column.

    Side effects: one VolunteerImport in preview, holding the checked rows (encrypted);
    deletes her earlier previews of this association that were never confirmed."""
    parsed = sheet.read(data)
    if parsed.missing:
        raise sheet.SheetError("missing:" + ",".join(c.header for c in parsed.missing))
    rows = check_rows(association, parsed)
    VolunteerImport.objects.filter(
        association=association, created_by=by, state=VolunteerImport.State.PREVIEW
    ).delete()
    return VolunteerImport.objects.create(
        association=association,
        created_by=by,
        rows=json.dumps([asdict(row) for row in rows]),
        columns_ignored=parsed.ignored,
    )


def rows_of(volunteer_import: VolunteerImport) -> list[Row]:
    return [Row(**row) for row in json.loads(volunteer_import.rows or "[]")]


def _completion_sessions(
    *, association: Association, by: User, on: date, volunteers: list[Volunteer]
) -> None:
    """Her course, completed before she was moved in: a session of each course required for
    matching, held (and attended by her) on that day, so that every rule that asks whether she
    completed it (courses.selectors) answers from the same records as for anyone else. Marked
    recorded_at_import: no session list, course statistics or hours count it."""
    now = timezone.now()
    ends = min(timezone.make_aware(datetime.combine(on, time(15, 0))), now)
    starts = ends - timedelta(hours=6)
    for course in required_courses():
        session = Session.objects.create(
            course=course,
            association=association,
            starts_at=starts,
            ends_at=ends,
            place=_("Completed before the import"),
            capacity=len(volunteers),
            notes=_("Recorded from the association's spreadsheet."),
            created_by=by,
            recorded_at_import=True,
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(session=session, volunteer=v, status=EnrolmentStatus.ATTENDED)
                for v in volunteers
            ]
        )


@transaction.atomic
def import_confirm(
    *,
    volunteer_import: VolunteerImport,
    by: User,
    acting: Membership,
    invite: bool,
    consent: bool,
) -> VolunteerImport:
    """Import the new rows of a checked sheet, all in one transaction: refused while any row is
    invalid (all or nothing), and unless the coordinator confirms (`consent`) that the
    volunteers consented to the association keeping their details. A row whose email became
    known since the preview is left out.

    The association's row is locked first, so two confirmations (of this sheet or another
    holding the same volunteer) run one after the other and the second sees the first's
    volunteers: nobody is imported twice.

    Side effects: creates a Volunteer per new row (status, languages, imported_at/_by; consent_at
    the time of this confirmation; an open commitment period from the sheet's date for an
    approved or paused one, paused from today for paused; the required courses completed on the
    sheet's date, as attended sessions), in bulk; empties the import's rows and marks it
    imported; with `invite`, invites the approved ones to log in (volunteer_login_invite,
    emailed after commit). No notification: she is doing it."""
    if not consent:
        raise VolunteerError(
            _(
                "Confirm that the volunteers have consented to the association keeping their details."
            )
        )
    Association.objects.select_for_update().filter(pk=volunteer_import.association_id).first()
    locked = VolunteerImport.objects.select_for_update().get(pk=volunteer_import.pk)
    if locked.state != VolunteerImport.State.PREVIEW:
        raise VolunteerError(_("This sheet has already been imported."))
    rows = rows_of(locked)
    if any(row.outcome == INVALID for row in rows):
        raise VolunteerError(_("Fix the invalid rows in the sheet and upload it again."))
    association = locked.association
    new = [row for row in rows if row.outcome == NEW]
    known = _known_emails(association, [row.values["email"] for row in new])
    new = [row for row in new if row.values["email"] not in known]
    now = timezone.now()
    today = timezone.localdate()
    created = Volunteer.objects.bulk_create(
        [
            Volunteer(
                association=association,
                first_name=row.values["first_name"],
                last_name=row.values["last_name"],
                email=row.values["email"],
                phone=row.values["phone"],
                municipality_id=row.values["municipality"],
                birth_year=row.values["birth_year"],
                motivation=row.values["motivation"],
                status=row.values["status"],
                status_changed_at=now,
                applied_at=now,
                last_applied_at=now,
                consent_at=now,  # confirmed by the coordinator (imported_by) at the import
                approved_at=now if row.values["status"] in ACTIVE else None,
                imported_at=now,
                imported_by=by,
                imported_in=locked,
            )
            for row in new
        ],
        batch_size=500,
    )
    VolunteerLanguage.objects.bulk_create(
        [
            VolunteerLanguage(volunteer=volunteer, code=code)
            for row, volunteer in zip(new, created, strict=True)
            for code in row.values["languages"]
        ],
        batch_size=1000,
    )
    periods: list[tuple[CommitmentPeriod, bool]] = []
    by_course_day: dict[date, list[Volunteer]] = {}
    for row, volunteer in zip(new, created, strict=True):
        values = row.values
        if values.get("commitment_from") and values["status"] in ACTIVE:
            start = date.fromisoformat(values["commitment_from"])
            period = CommitmentPeriod(
                volunteer=volunteer, starts_on=start, ends_on=add_years(start, 1)
            )
            periods.append((period, values["status"] == Status.PAUSED))
        if values.get("course_completed_on"):
            day = date.fromisoformat(values["course_completed_on"])
            by_course_day.setdefault(day, []).append(volunteer)
    CommitmentPeriod.objects.bulk_create([period for period, _paused in periods], batch_size=1000)
    # Paused: her year stops counting from today (as services._commitment_pause_start does).
    CommitmentPause.objects.bulk_create(
        [CommitmentPause(period=period, paused_on=today) for period, paused in periods if paused],
        batch_size=1000,
    )
    for day, volunteers in sorted(by_course_day.items()):
        _completion_sessions(association=association, by=by, on=day, volunteers=volunteers)
    locked.state = VolunteerImport.State.IMPORTED
    locked.imported_at = now
    locked.imported_count = len(created)
    locked.skipped_count = len(rows) - len(created)
    locked.rows = ""
    locked.save()
    if invite:
        import_invite(volunteer_import=locked, by=by, acting=acting)
    return locked


def to_invite(volunteer_import: VolunteerImport):
    """The imported ressursvenner (approved or paused) who have no login yet."""
    return volunteer_import.volunteers.filter(
        status__in=ACTIVE, user__isnull=True, erased_at__isnull=True
    )


@transaction.atomic
def import_invite(
    *, volunteer_import: VolunteerImport, by: User, acting: Membership
) -> list[Volunteer]:
    """Invite the import's ressursvenner without a login to log in (the same invitation as at
    approval: volunteer_login_invite). Applicants get a login when they are approved.

    Side effects: a login (without a password) and an invitation per volunteer, emailed after
    commit; the import's invited_at."""
    invited = []
    for volunteer in to_invite(volunteer_import).select_for_update():
        volunteer_login_invite(volunteer, by=by, acting=acting)
        volunteer.save(update_fields=["user"])
        invited.append(volunteer)
    volunteer_import.invited_at = timezone.now()
    volunteer_import.save(update_fields=["invited_at"])
    return invited


# --- The export ---------------------------------------------------------------------------------


def export_rows(volunteers) -> list[dict[str, object]]:
    """Her association's volunteers still in the programme as rows of the sheet (the same
    columns the import reads); her commitment from the start of the period she is in today.
    `volunteers` come with municipality, county, languages, commitments and completions
    annotated (selectors.volunteer_sheet)."""
    rows = []
    today = timezone.localdate()
    for volunteer in volunteers:
        running = running_period(volunteer.commitments.all(), today)
        course_on = getattr(volunteer, "course_completed_at", None)
        rows.append(
            {
                "first_name": volunteer.first_name,
                "last_name": volunteer.last_name,
                "email": volunteer.email,
                "phone": _phone_text(volunteer.phone),
                "municipality": volunteer.municipality.label,
                "birth_year": volunteer.birth_year,
                "languages": ", ".join(volunteer.language_codes),
                "is_woman": "ja",
                "status": sheet.STATUS_WORDS[volunteer.status],
                "course_completed_on": timezone.localdate(course_on) if course_on else None,
                "commitment_from": running.starts_on if running else None,
                "motivation": volunteer.motivation,
            }
        )
    return rows


def _phone_text(phone) -> str:
    if not phone:
        return ""
    if getattr(phone, "country_code", None) == 47:
        return phone.as_national
    return phone.as_international
