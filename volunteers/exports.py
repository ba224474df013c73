"""Everything stored about a volunteer, for her data request (innsyn)."""

from accounts.languages import language_name
from accounts.models import AccessLog
from volunteers.models import Volunteer


def volunteer_export(volunteer: Volunteer) -> dict:
    """A plain dictionary of her data and of who has accessed her records. Her matches are
    listed by dates and status only: the women's details are not hers to receive."""
    return {
        "person": {
            "first_name": volunteer.first_name,
            "last_name": volunteer.last_name,
            "email": volunteer.email,
            "phone": str(volunteer.phone),
            "municipality": volunteer.municipality.label,
            "birth_year": volunteer.birth_year,
            "languages": [language_name(c) for c in volunteer.language_codes],
            "strengths": volunteer.strength_labels,
            "availability": volunteer.availability_labels,
            "motivation": volunteer.motivation,
            "capacity": volunteer.capacity,
        },
        "application": {
            "association": str(volunteer.association or ""),
            "status": str(volunteer.get_status_display()),
            "applied": volunteer.applied_at.isoformat(),
            "applications": volunteer.application_count,
            "consent_given": volunteer.consent_at.isoformat(),
            "approved": volunteer.approved_at.isoformat() if volunteer.approved_at else None,
            "reason_for_rejection_or_ending": volunteer.status_reason,
        },
        "screening": {
            "interview": volunteer.interview_on.isoformat() if volunteer.interview_on else None,
            "interview_note": volunteer.interview_note,
            "references_checked": [
                d.isoformat()
                for d in (
                    volunteer.first_reference_checked_on,
                    volunteer.second_reference_checked_on,
                )
                if d
            ],
            "confidentiality_declaration": (
                {
                    "signed": volunteer.confidentiality_signed_on.isoformat(),
                    "version": volunteer.confidentiality_version.version,
                }
                if volunteer.confidentiality_signed_on and volunteer.confidentiality_version
                else None
            ),
            "police_certificate_seen": (
                {
                    "on": volunteer.police_certificate_seen_on.isoformat(),
                    "legal_basis": volunteer.police_certificate_legal_basis,
                }
                if volunteer.police_certificate_seen_on
                else None
            ),
        },
        "commitments": [
            {
                "starts": c.starts_on.isoformat(),
                "ends": c.ends_on.isoformat(),
                "ended": c.ended_on.isoformat() if c.ended_on else None,
                "reason": str(c.get_end_reason_display()) if c.end_reason else "",
                "note": c.end_note,
                "pauses": [
                    {
                        "paused": p.paused_on.isoformat(),
                        "resumed": p.resumed_on.isoformat() if p.resumed_on else None,
                        "days": p.days,
                    }
                    for p in c.pauses.all()
                ],
            }
            for c in volunteer.commitments.all()
        ],
        "courses": [
            {
                "session": e.session.starts_at.isoformat(),
                "course": e.session.course.title,
                "status": str(e.get_status_display()),
            }
            for e in volunteer.enrolments.select_related("session__course")
        ],
        "matches": [
            {
                "proposed": m.proposed_at.isoformat(),
                "status": str(m.get_status_display()),
                "started": m.started_on.isoformat() if m.started_on else None,
                "ended": m.ended_on.isoformat() if m.ended_on else None,
            }
            for m in volunteer.matches.all()
        ],
        "wellbeing_checks": [
            {
                "answered": w.answered_at.isoformat(),
                "feeling": str(w.get_feeling_display()),
                "needs_talk": w.needs_talk,
                "note": w.note,
            }
            for w in volunteer.wellbeing_checks.all()
        ],
        "access_log": [
            {
                "when": entry.at.isoformat(),
                "role": entry.role,
                "what": str(entry.get_action_display()),
            }
            for entry in AccessLog.objects.filter(
                object_type="volunteer", object_id=str(volunteer.public_id)
            ).order_by("at")
        ],
    }
