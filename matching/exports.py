"""Everything stored about a referred woman, for the shelter to hand over on request."""

from accounts.languages import language_name
from accounts.models import AccessLog
from matching.models import Referral


def referral_export(referral: Referral, *, with_matches: bool) -> dict:
    """Her referral, her matches (the volunteer by first name only), meetings, concerns and
    follow-ups, and every access to her records.

    Only a coordinator makes the whole export (`with_matches`): shelter staff get what their
    shelter recorded and may see (the referral, its status and who accessed it), never the
    meetings, concerns or follow-up notes, which they are not allowed to read.
    """
    matches = list(referral.matches.select_related("volunteer")) if with_matches else []
    ids = [str(referral.public_id), *[str(m.public_id) for m in matches]]
    concern_ids = [str(c.public_id) for m in matches for c in m.concerns.all()]
    data = {
        "referral": {
            "alias": referral.alias,
            "age": referral.get_age_bracket_display(),
            "municipality": referral.municipality.label,
            "municipalities_to_avoid": [m.label for m in referral.avoid_municipalities.all()],
            "languages": [language_name(c) for c in referral.language_codes],
            "preferred_language": language_name(referral.preferred_language)
            if referral.preferred_language
            else "",
            "phone": referral.phone,
            "needs": referral.need_labels,
            "availability": referral.availability_labels,
            "wishes": referral.wishes,
            "special_considerations": referral.consideration_labels,
            "safety_notes": referral.safety_notes,
            "consent_given": referral.consent_on.isoformat(),
            "referred": referral.created_at.isoformat(),
            "shelter": referral.shelter.name,
            "association": referral.association.name,
            "status": str(referral.get_status_display()),
        },
        "matches": [
            {
                "volunteer_first_name": m.volunteer.first_name,
                "status": str(m.get_status_display()),
                "started": m.started_on.isoformat() if m.started_on else None,
                "ended": m.ended_on.isoformat() if m.ended_on else None,
                "end_note": m.end_note,
                "moved_back_to_the_abuser": str(m.get_outcome_moved_back_display())
                if m.outcome_moved_back
                else "",
                "meetings": [
                    {
                        "date": x.date.isoformat(),
                        "met": x.met,
                        "minutes": x.minutes,
                        "activities": x.activity_labels,
                        "note": x.note,
                    }
                    for x in m.meetings.order_by("date")
                ],
                "concerns": [
                    {
                        "raised": c.raised_at.isoformat(),
                        "text": c.text,
                        "followed_up": c.followed_up_at.isoformat() if c.followed_up_at else None,
                        "note": c.follow_up_note,
                    }
                    for c in m.concerns.all()
                ],
                "follow_ups": [
                    {
                        "due": f.due_on.isoformat(),
                        "held": f.done_on.isoformat() if f.done_on else None,
                        "cancelled": f.cancelled_on.isoformat() if f.cancelled_on else None,
                        "with": f.with_labels,
                        "note": f.note,
                    }
                    for f in m.follow_ups.all()
                ],
            }
            for m in matches
        ],
        "access_log": [
            {
                "when": e.at.isoformat(),
                "role": e.role,
                "what": str(e.get_action_display()),
                "record": e.object_type,
            }
            for e in AccessLog.objects.filter(object_id__in=ids + concern_ids).order_by("at")
        ],
    }
    if not with_matches:
        del data["matches"]
    return data
