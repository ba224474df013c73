"""The access-control matrix: every URL of the project, every method, every outsider.

With association A (Oslo) and shelter A (Oslo krisesenter) holding one of everything, each URL
pattern the resolver knows is requested with GET and POST as B's people (Bergen), as a
volunteer of Oslo who is not on A's case, as a national admin, as a logged-in person without a
role, and logged out. An address that names one of A's objects must be refused (302 to the
login, 403, 404 or 405); no answer may be a 500, carry any of A's texts, ids or tokens, or change
any of A's rows. A new URL pattern fails `test_every_url_pattern_is_in_the_matrix` until it is
given a place below.
"""

import itertools
import logging
import re
import sys
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from accounts.models import Absence, Membership
from matching.models import Referral
from notifications.services import heartbeat_record
from reports.models import AnnualReport, AnnualStatus
from tests.conftest import login
from tests.security.matrix_data import (
    PASSWORD,
    World,
    Writes,
    changes,
    client_for,
    leaked,
    make_world,
    session_key,
    snapshot,
    still_logged_in,
)
from volunteers.forms import SCREENING_FORMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(request) -> World:
    return make_world(request)


METHODS = ("GET", "POST")
ROLES = (
    "logged_out",
    "stranger",
    "coordinator_bergen",
    "shelter_worker_bergen",
    "volunteer_bergen",
    "volunteer_oslo",
    "national_admin",
    "group_leader_oslo",
    "superuser_admin",
)

# --- Where each URL pattern belongs ---------------------------------------------------------------

# Open to everyone: answered (200, or a redirect for a logged-in person) without A's data.
PUBLIC = {
    "home": "the landing page, or her own start page",
    "privacy": "the privacy notice",
    "health": "monitoring",
    "health_web": "the load balancer's check",
    "security_txt": "where to report a vulnerability",
    "become_volunteer": "the public application",
    "application_received": "the receipt after applying",
    "set_language": "the language switch",
    "account_login": "the login",
    "mfa_login_webauthn": "the login with a passkey (an answer that is no passkey's: the login page)",
    "account_inactive": "the page for a deactivated login",
    "account_reset_password": "forgotten password",
    "account_reset_password_done": "forgotten password, sent",
    "account_reset_password_from_key": "the reset link (tried with A's person and a forged key)",
    "account_reset_password_from_key_done": "the reset link, done",
}
# About the person herself or her own association or shelter: no object of A in the address.
OWN = {
    "audit_log",
    "account_logout",
    "account_reauthenticate",
    "account_change_password",
    "account_set_password",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_add_passkey",
    "mfa_reauthenticate_webauthn",
    "role_switch",
    "account_settings",
    "absence_add",
    "invitation_list",
    "session_status",
    "session_keepalive",
    "notification_list",
    "notifications_read_all",
    "volunteer_list",
    "volunteer_import",
    "volunteer_import_template",
    "volunteer_export",
    "confidentiality_overview",
    "declaration_publish",
    "my_confidentiality",
    "volunteer_outside_area",
    "my_page",
    "my_profile",
    "my_certificate",
    "my_wellbeing",
    "course_list",
    "session_create",
    "my_courses",
    "calendar_feed_renew",
    "gathering_list",
    "gathering_create",
    "my_gatherings",
    "group_list",
    "expectation_edit",
    "group_create",
    "supervision_due_list",
    "message_list",
    "message_create",
    "my_messages",
    "referral_list",
    "referral_create",
    "match_list",
    "match_batch",
    "my_match",
    "my_meetings",
    "meeting_log",
    "emergency",
    "concern_new",
    "statistics",
    "statistics_csv",
    "statistics_xlsx",
    "annual_reports",
    "matching_weights",
    "matching_weights_restore",
    # The national admin's pages (/admin-nks/): lists and forms with no object in the address.
    "natadmin",
    "natadmin_associations",
    "natadmin_association_new",
    "natadmin_shelters",
    "natadmin_shelter_new",
    "natadmin_people",
    "natadmin_invite",
    "natadmin_failed_emails",
    "course_catalogue",
    "course_catalogue_new",
    "course_catalogue_edit",
    "course_catalogue_offer",
    "programme_lists",
    "programme_list",
    "programme_list_entry",
    "programme_list_entry_change",
}
# The address carries a secret token: holding it is the access, by design. Tried with A's real
# token (what it opens is checked) and with a forged one (404 for everyone).
CAPABILITY = {
    "invitation_accept": "the invitation link: only the invited (logged-out) person gets the form",
    "calendar_feed": "a volunteer's calendar feed: the token is the key (no login)",
}
POST_ONLY = {"set_language"}
# A public address whose plain GET is a redirect, by design: the passkey login answers its
# script's request for a challenge (JSON); a browser's plain GET is sent to the login page.
PUBLIC_GET_REDIRECTS = {"mfa_login_webauthn": "account_login"}
# Not exercised at all, and why (a URL name, or "admin:" for the whole administration).
EXEMPT: dict[str, str] = {}
# Cells not held to the refusal rule, and why: Django's administration is for a superuser who
# acts as national admin, in an emergency (a national admin who is no superuser is refused it,
# sent to her own pages). She is still tried on every admin URL (no 500, no case data, no
# change to A's rows), and test_the_admin_shows_no_case_level_model keeps the cases out of it.
# Outside the administration she is a national admin, whom the "national_admin" column tries.
OWNED_ADMIN = "superuser_admin"


def object_variants(w: World) -> dict[str, list[dict]]:
    """Each URL naming one of A's objects, with A's objects filled in by kwarg and URL name
    (several variants where the object's state or a slug changes the path through the view)."""
    applicant = {"public_id": w.applicant.public_id}
    venn = {"public_id": w.venn.public_id}
    session = {"public_id": w.session.public_id}
    gathering = {"public_id": w.gathering.public_id}
    active = {"public_id": w.referral.public_id}
    waiting = {"public_id": w.waiting_referral.public_id}
    match, proposed = w.match.public_id, w.proposed_match.public_id
    coordinator = {"public_id": w.coordinator_oslo.public_id}
    coordinator_role = {"public_id": w.coordinator_oslo.memberships.get().public_id}
    return {
        "invitation_revoke": [{"public_id": w.invitation.public_id}],
        "notification_open": [{"public_id": w.notification.public_id}],
        "volunteer_detail": [applicant, venn],
        "volunteer_transition": [applicant],
        "volunteer_approve": [applicant],
        "volunteer_sessions": [applicant],
        "screening_record": [{**applicant, "step": s} for s in [*SCREENING_FORMS, "ukjent"]],
        "commitment_renew": [venn],
        "commitment_end": [venn],
        "volunteer_log_out_everywhere": [venn],
        "volunteer_invite_to_log_in": [venn],
        "volunteer_reset_two_step": [venn],
        "volunteer_data": [applicant, {**venn, "?": {"format": "json"}}],
        # Her certificate (a PDF of her name, period, courses and hours); none for an applicant.
        "volunteer_certificate": [venn, {**venn, "?": {"sprak": "en"}}, applicant],
        "volunteer_erase": [applicant],
        "volunteer_import_preview": [{"public_id": w.volunteer_import.public_id}],
        "volunteer_import_invite": [{"public_id": w.volunteer_import.public_id}],
        "my_wellbeing_delete": [{"public_id": w.wellbeing.public_id}],
        "wellbeing_talked": [{"public_id": w.wellbeing.public_id}],
        "session_detail": [session],
        "session_update": [session],
        "session_cancel": [session],
        "session_enrol": [session],
        "session_attendance": [{"public_id": w.held_session.public_id}, session],
        "session_walk_in": [{"public_id": w.held_session.public_id}],
        "session_ics": [session],
        "enrolment_cancel": [{"public_id": w.enrolment.public_id}],
        "group_detail": [{"public_id": w.group.public_id}],
        "group_edit": [{"public_id": w.group.public_id}],
        "group_session_attendance": [{"public_id": w.group_session.public_id}],
        "group_session_ics": [{"public_id": w.group_session.public_id}],
        "my_session_sign_up": [session],
        "gathering_detail": [gathering],
        "gathering_update": [gathering],
        "gathering_cancel": [gathering],
        "gathering_sign_up_for": [gathering],
        "gathering_attendance": [gathering],
        "gathering_ics": [gathering],
        "my_gathering_sign_up": [gathering],
        "my_gathering_sign_off": [gathering],
        "gathering_sign_off_for": [{"public_id": w.gathering_sign_up.public_id}],
        "referral_detail": [active, waiting],
        "referral_safety_notes": [active, waiting],
        "referral_take": [waiting],
        "referral_transfer": [waiting],
        "referral_withdraw": [waiting],
        "referral_suggestions": [waiting],
        "match_propose": [waiting],
        "referral_commitment_renew": [waiting],
        "referral_data": [active, {**active, "?": {"format": "json"}}],
        "referral_consent_withdrawn": [active],
        "referral_access_log": [active, waiting],
        "match_access_log": [{"public_id": match}, {"public_id": proposed}],
        "match_detail": [{"public_id": match}, {"public_id": proposed}],
        "match_action": [
            *({"public_id": match, "action": a} for a in ("pause", "resume", "reopen", "ukjent")),
            *(
                {"public_id": proposed, "action": a}
                for a in ("first-meeting", "activate", "cancel", "conflict-check")
            ),
            # Six months later (A's match is running: refused with a message, never found by others).
            {"public_id": match, "action": "later"},
        ],
        "match_end": [{"public_id": match}],
        "concern_detail": [{"public_id": w.concern.public_id}],
        "follow_up_action": [
            {"public_id": w.follow_up.public_id, "action": a} for a in ("record", "reschedule")
        ],
        "meeting_edit": [{"public_id": w.meeting.public_id}],
        "my_match_answer": [{"public_id": proposed}],
        "my_first_meeting_ics": [{"public_id": match}, {"public_id": proposed}],
        # allauth names a security key by its number; only its owner's requests find it.
        "mfa_remove_webauthn": [{"pk": w.security_key.pk}],
        "natadmin_association_edit": [{"public_id": w.oslo.public_id}],
        "natadmin_shelter_edit": [{"public_id": w.oslo_shelter.public_id}],
        # A's email (waiting, not failed): not on the national admin's page of failed ones.
        "natadmin_failed_email_retry": [{"public_id": w.outbox.public_id}],
        # A volunteer and nothing else is not in the national admin's pages: 404 for her too.
        "natadmin_person": [coordinator, {"public_id": w.venn_user.public_id}],
        "natadmin_person_deactivate": [coordinator],
        "natadmin_person_reactivate": [coordinator],
        "natadmin_person_reset_two_step": [coordinator],
        "natadmin_membership_change": [coordinator_role],
        "natadmin_membership_end": [coordinator_role],
        # A's coordinator is away next week; only she removes it.
        "absence_remove": [{"public_id": _absence(w).public_id}],
        # A's annual report (done, its files not on disk here: 404 for everyone, as a report
        # of another association is; tests/reports/test_annual.py downloads real ones).
        "annual_report_download": [
            {"pk": _annual_report(w).pk, "kind": kind} for kind in ("pdf", "xlsx", "ukjent")
        ],
    }


def _annual_report(w: World) -> AnnualReport:
    return AnnualReport.objects.get_or_create(
        year=w.today.year - 1, association=w.oslo, status=AnnualStatus.DONE
    )[0]


def _absence(w: World) -> Absence:
    today = timezone.localdate()
    return Absence.objects.get_or_create(
        user=w.coordinator_oslo,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=14),
    )[0]


def capability_variants(w: World) -> dict[str, list[dict]]:
    forged = "Ab3" * 14
    return {
        "invitation_accept": [{"token": w.invitation_token}, {"token": forged}],
        "calendar_feed": [{"token": w.feed.token}, {"token": forged}],
    }


# Pages without an object of A in the address that take kwargs or GET parameters: filled so they
# point at A where they can.
WITH_KWARGS = {
    "account_reset_password_from_key",
    "statistics_csv",
    # The national catalogue's courses belong to no association: tried with the course of A's
    # session.
    "course_catalogue_edit",
    "course_catalogue_offer",
    "programme_list",
    "programme_list_entry",
    "programme_list_entry_change",
}


def other_variants(w: World) -> dict[str, list[dict]]:
    oslo = {"forening": w.oslo.public_id}
    return {
        "account_reset_password_from_key": [
            {"uidb36": int_to_base36(w.coordinator_oslo.pk), "key": "forged-key"},
        ],
        "referral_create": [{"?": {"tidligere": w.referral.public_id}}],
        "meeting_log": [{"?": {"kobling": w.match.public_id}}],
        "concern_new": [{"?": {"kobling": w.match.public_id}}],
        "role_switch": [{"?": {"next": w.referral.get_absolute_url()}}],
        "statistics": [{}, {"?": oslo}],
        "course_catalogue_edit": [{"public_id": w.session.course.public_id}],
        "course_catalogue_offer": [{"public_id": w.session.course.public_id}],
        "natadmin_invite": [{"?": {"rolle": "coordinator", "forening": w.oslo.public_id}}],
        "statistics_xlsx": [{}, {"?": oslo}],
        "statistics_csv": [
            *({"table": t} for t in ("withdrawal-reasons", "referrals-by-shelter", "outcomes")),
            {"table": "withdrawal-reasons", "?": oslo},
            {"table": "ukjent"},
        ],
        # The programme's lists are the national admin's own, not A's.
        "programme_list": [{"slug": "behov"}, {"slug": "grunner-kobling"}],
        "programme_list_entry": [{"slug": "behov", "value": "1"}],
        "programme_list_entry_change": [{"slug": "behov", "value": "1"}],
    }


def payload(w: World, name: str, kwargs: dict) -> dict:
    """What a POST sends: what would work for the rightful person (see the positive control
    below), pointing at A's objects wherever a form takes one."""
    today = w.today.isoformat()
    yesterday = (w.today - timedelta(days=1)).isoformat()
    future = (w.today + timedelta(days=20)).isoformat()
    fu = w.follow_up.pk
    action = kwargs.get("action")
    step = kwargs.get("step")
    data = {
        "invitation_accept": {
            "first_name": "Ny",
            "last_name": "Person",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        "volunteer_transition": {"to": "rejected", "reason": "Passer ikke nå"},
        "programme_list": {"name_nb": "Førerkort", "name_en": "Driving licence"},
        "programme_list_entry": {"name_nb": "Nettverk", "name_en": "Network"},
        "programme_list_entry_change": {"i_bruk": "0"},
        "volunteer_reset_two_step": {"confirmed": "yes"},
        "screening_record": {
            "interview": {"interview-on": yesterday, "interview-note": "Ny samtale"},
            "references": {"references-first_on": yesterday, "references-second_on": yesterday},
            "confidentiality": {
                "confidentiality-on": yesterday,
                "confidentiality-version": w.declaration.pk,
            },
            "police": {"police-on": yesterday},
        }.get(step, {}),
        "commitment_end": {"on": today, "reason": "moved", "note": "Flyttet"},
        "session_update": {
            "course": w.course.public_id,
            "date": future,
            "starts": "10:00",
            "ends": "12:00",
            "place": "Et nytt sted",
            "capacity": 8,
            "notes": "",
        },
        "session_enrol": {"volunteers": [w.applicant.public_id]},
        "gathering_sign_up_for": {"volunteer": w.other_volunteer.public_id},
        "gathering_update": {
            "title": "Endret samling",
            "date": future,
            "starts": "10:00",
            "ends": "15:00",
            "place": "Et nytt sted",
            "sign_up_by": future,
            "capacity": "",
            "description": "",
        },
        # The search for someone to sign up posts too: a prefix of the applicant's name.
        "session_detail": {"q": "zqxsok"},
        "session_attendance": {"attended": [w.held_enrolments[0].public_id]},
        "session_walk_in": {"volunteer": w.applicant.public_id},
        "expectation_edit": {"every_weeks": 6},
        "message_create": {
            "statuses": ["approved"],
            "subject": "Hei",
            "body": "Hei alle",
            "preview": "1",
        },
        "group_create": {"name": "Ny gruppe", "members": [w.other_volunteer.public_id]},
        "group_edit": {
            "name": "Endret gruppe",
            "leader": w.venn.public_id,
            "members": [w.venn.public_id],
        },
        "group_detail": {"date": future, "starts": "18:00", "ends": "20:00", "place": "Et sted"},
        "group_session_attendance": {"attended": [w.other_volunteer.public_id]},
        "volunteer_sessions": {"session": w.session.public_id},
        "referral_transfer": {"association": w.bergen.public_id, "reason": "Hun flytter"},
        "referral_withdraw": {"reason": "Hun ønsker ikke lenger"},
        "match_propose": {"volunteer": w.other_volunteer.public_id},
        "match_end": {
            "ended_on": today,
            "end_planned": "yes",
            "end_initiated_by": "woman",
            "end_reason": "year_over",
            "outcome_moved_back": "no",
            "outcome_housing": "yes",
            "outcome_work_or_study": "unknown",
            "outcome_network": "unknown",
        },
        "referral_commitment_renew": {"volunteer": w.venn.public_id},
        "match_action": {
            "first-meeting": {"day": future, "time": "12:00", "place": "Krisesenteret"},
            "activate": {"started_on": today},
            "cancel": {"reason": "coordinator"},
            "reopen": {"consent_again": "on", "consent_on": today},
            "conflict-check": {"on": today, "how": "phone"},
            "later": {"later_moved_back": "no"},
        }.get(action, {}),
        "concern_detail": {"note": "Snakket med henne"},
        "follow_up_action": {
            "record": {f"f{fu}-on": today, f"f{fu}-with_whom": ["1"], f"f{fu}-note": "Bra"},
            "reschedule": {f"r{fu}-due_on": future},
        }.get(action, {}),
        "meeting_edit": {"day": today, "met": "yes", "duration": "30", "note": "Endret"},
        "my_match_answer": {"answer": "confirm"},
        # Pages without an object in the address, pointing at A where they take an id:
        "meeting_log": {
            "match": w.match.public_id,
            "day": today,
            "met": "yes",
            "duration": "60",
            "concern": "Jeg er bekymret",
        },
        "concern_new": {"match": w.match.public_id, "text": "Jeg er bekymret", "danger": "no"},
        "referral_create": {
            "previous": w.waiting_referral.public_id,
            "alias": "Kari",
            "age_bracket": "26-35",
            "municipality": "4601",
            "preferred_language": "no",
            "consent_on": today,
            "consent_confirmed": "on",
        },
        "role_switch": {"membership": Membership.objects.get(user=w.coordinator_oslo).public_id},
        "volunteer_outside_area": {
            "volunteer": w.applicant.public_id,
            "association": w.bergen.public_id,
        },
        "invitation_list": {"email": "ny.frivillig@example.no", "first_name": "Ny"},
        # A prefix of the applicant's name (the search posts): the whole name must not come back.
        "volunteer_list": {"q": "zqxsok"},
        "session_create": {
            "course": w.course.public_id,
            "date": future,
            "starts": "10:00",
            "ends": "12:00",
            "place": "Et sted",
            "capacity": 8,
        },
        "become_volunteer": {
            "first_name": "Åse",
            "last_name": "Nilsen",
            "email": "ase.nilsen@example.no",
            "phone": "912 34 567",
            "municipality": "4601",  # Bergen's: an application to A is anyone's right
            "birth_year": 1980,
            "languages": ["no"],
            "availability": ["1"],
            "motivation": "Jeg vil hjelpe.",
            "is_woman": "on",
            "consent": "on",
        },
        "account_login": {"login": w.coordinator_oslo.email, "password": "feil-passord"},
        "mfa_login_webauthn": {"credential": "{}"},
        "account_reset_password": {"email": "ingen@example.no"},
        "account_reset_password_from_key": {"password1": PASSWORD, "password2": PASSWORD},
        "set_language": {"language": "nb", "next": "/"},
        "my_profile": {"phone": "912 34 567", "languages": ["no"], "availability": ["1"]},
        "my_wellbeing": {"feeling": "2", "needs_talk": "yes", "note": "Tungt"},
        "account_settings": {"language": "nb"},
    }
    return data.get(name, {})


# A cell where an outsider is not refused, by design; A's rows are restored after it.
LEGITIMATE = {
    ("my_session_sign_up", "volunteer_oslo"): "a volunteer of Oslo may sign up for Oslo's sessions",
    ("session_ics", "volunteer_oslo"): "a volunteer of Oslo may add Oslo's sessions to a calendar",
    ("my_gathering_sign_up", "volunteer_oslo"): "a volunteer of Oslo may sign up for its gathering",
    ("my_gathering_sign_off", "volunteer_oslo"): "and sign off (her own place only)",
    ("gathering_ics", "volunteer_oslo"): "a volunteer of Oslo may add its gathering to a calendar",
    ("gathering_detail", "national_admin"): (
        "the national admin sees every gathering (no sign-up of a gathering she does not organise)"
    ),
    ("gathering_ics", "national_admin"): "the national admin sees every gathering",
    ("group_session_ics", "volunteer_oslo"): (
        "a member of A's supervision group may add its sessions to her calendar"
    ),
    ("my_wellbeing", "volunteer_oslo"): (
        "a volunteer of Oslo answering her own wellbeing check that she needs to talk alerts "
        "Oslo's coordinators (a notification and an email to them)"
    ),
    **{
        (name, "group_leader_oslo"): (
            "the leader of A's supervision group sees it, plans its sessions and records who came"
        )
        for name in ("group_detail", "group_session_attendance", "group_session_ics")
    },
    **{
        (name, "national_admin"): "the national admin manages associations, shelters and roles"
        for name in (
            "natadmin_association_edit",
            "natadmin_shelter_edit",
            "natadmin_person",
            "natadmin_person_deactivate",
            "natadmin_person_reactivate",
            "natadmin_person_reset_two_step",
            "natadmin_membership_change",
            "natadmin_membership_end",
        )
    },
}
# What a person may legitimately see of A: a volunteer of Oslo sees Oslo's course sessions; in
# the administration, the national admin manages the logins and invitations (not the cases).
# A's group leader sees her group: the place of its sessions and its members' names (the
# matched volunteer is one), with their ids in the attendance form. Nothing about any woman.
ALLOWED = {
    # (and, a member of A's supervision group, its sessions' place in her calendar file)
    "volunteer_oslo": {"session_place", "session_notes", "session_id", "group_place"},
    "group_leader_oslo": {"group_place", "venn_first_name", "venn_id"},
}
ALLOWED_IN_ADMIN = {
    "venn_first_name",
    "venn_email",
    "invitation_email",
    "invitation_first_name",
    "invitation_id",
}
# The admin's "view on site" turns a content type and a pk into the object's address: an id, not
# its data (the page itself refuses her). Tried with A's referral.
ALLOWED_IN_ADMIN_CELL = {"admin:view_on_site": {"referral_id"}}


# --- The walk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None  # namespaced, e.g. "admin:index"
    route: str
    kwargs: tuple[str, ...]
    regex: bool

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def url_patterns(patterns=None, prefix: str = "", namespace: str = "") -> list[Pattern]:
    """Every URL pattern the project answers, walked from the root resolver."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            found += url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append(
                Pattern(
                    name=name,
                    route=route,
                    kwargs=tuple(entry.pattern.regex.groupindex),
                    regex=not hasattr(entry.pattern, "converters"),
                )
            )
    return found


def _category(pattern: Pattern) -> str | None:
    if pattern.key in EXEMPT or (pattern.is_admin and "admin:" in EXEMPT):
        return "exempt"
    if pattern.is_admin:
        return "admin"
    for category, names in (
        ("public", PUBLIC),
        ("own", OWN),
        ("capability", CAPABILITY),
        ("object", OBJECT_NAMES),
    ):
        if pattern.key in names:
            return category
    return None


OBJECT_NAMES = {
    "volunteer_import_preview",
    "volunteer_import_invite",
    "gathering_detail",
    "gathering_update",
    "gathering_cancel",
    "gathering_sign_up_for",
    "gathering_attendance",
    "gathering_ics",
    "my_gathering_sign_up",
    "my_gathering_sign_off",
    "gathering_sign_off_for",
    "absence_remove",
    "my_wellbeing_delete",
    "wellbeing_talked",
    "invitation_revoke",
    "notification_open",
    "volunteer_detail",
    "volunteer_transition",
    "volunteer_approve",
    "volunteer_sessions",
    "screening_record",
    "commitment_renew",
    "commitment_end",
    "volunteer_log_out_everywhere",
    "volunteer_invite_to_log_in",
    "volunteer_reset_two_step",
    "volunteer_data",
    "volunteer_certificate",
    "volunteer_erase",
    "session_detail",
    "session_update",
    "session_cancel",
    "session_enrol",
    "session_attendance",
    "session_walk_in",
    "session_ics",
    "enrolment_cancel",
    "my_session_sign_up",
    "group_detail",
    "group_edit",
    "group_session_attendance",
    "group_session_ics",
    "referral_detail",
    "referral_safety_notes",
    "referral_take",
    "referral_transfer",
    "referral_withdraw",
    "referral_suggestions",
    "match_propose",
    "referral_commitment_renew",
    "referral_data",
    "referral_consent_withdrawn",
    "referral_access_log",
    "match_access_log",
    "match_detail",
    "match_action",
    "match_end",
    "concern_detail",
    "follow_up_action",
    "meeting_edit",
    "my_match_answer",
    "my_first_meeting_ics",
    "mfa_remove_webauthn",
    "natadmin_association_edit",
    "natadmin_shelter_edit",
    "natadmin_person",
    "natadmin_person_deactivate",
    "natadmin_person_reactivate",
    "natadmin_person_reset_two_step",
    "natadmin_membership_change",
    "natadmin_membership_end",
    "natadmin_failed_email_retry",
    "annual_report_download",
}


def test_every_url_pattern_is_in_the_matrix():
    patterns = url_patterns()
    unknown = [p for p in patterns if _category(p) is None]
    assert not unknown, "\n".join(
        f"add {p.key!r} (route {p.route!r}) to the matrix in tests/security/test_matrix.py: "
        "PUBLIC, OWN, CAPABILITY or OBJECT_NAMES with its kwargs in object_variants()"
        for p in unknown
    )
    known = {p.key for p in patterns}
    stale = (set(PUBLIC) | OWN | set(CAPABILITY) | OBJECT_NAMES) - known
    assert not stale, f"remove from the matrix (no such URL any more): {sorted(stale)}"
    # Every pattern that takes kwargs gets them from A's objects.
    takes = {p.key for p in patterns if p.kwargs and not p.is_admin}
    filled = OBJECT_NAMES | set(CAPABILITY) | WITH_KWARGS
    assert takes <= filled, f"fill in the kwargs of {sorted(takes - filled)}"


def test_the_admin_shows_no_case_level_model():
    """The administration is the superuser national admin's (the matrix does not ask it to
    refuse her): so it must hold nothing of a woman's case or a volunteer's screening."""
    registered = {model._meta.label for model in admin.site._registry}
    case_level = {
        "matching.Referral",
        "matching.Match",
        "matching.Meeting",
        "matching.Concern",
        "matching.FollowUp",
        "matching.ReferralEvent",
        "matching.MatchEvent",
        "volunteers.Volunteer",
        "volunteers.CommitmentPeriod",
        "courses.Enrolment",
        "courses.CalendarFeed",
        "notifications.Notification",
        "accounts.AccessLog",
        # The change history: read on its own page, masked (ressursvenner.audit_views).
        "auditlog.LogEntry",
    }
    assert registered & case_level == set()


# --- Building the requests ---------------------------------------------------------------------


def _admin_kwargs(w: World, pattern: Pattern) -> dict:
    """Admin URLs take an app label, an object id, a content type: A's where A has one."""
    targets = {
        "accounts_user": w.coordinator_oslo.pk,
        "auth_user": w.coordinator_oslo.pk,
        "accounts_association": w.oslo.pk,
        "accounts_shelter": w.oslo_shelter.pk,
        "accounts_invitation": w.invitation.pk,
        "notifications_outboxmessage": w.outbox.pk,
        "courses_course": w.course.pk,
        "volunteers_confidentialitydeclaration": w.declaration.pk,
    }
    found = re.match(r"admin/(\w+)/(\w+)/", pattern.route)
    model = "_".join(found.groups()) if found else ""
    if pattern.name:
        model = next((m for m in targets if pattern.name.startswith(f"admin:{m}_")), model)
    values = {
        "object_id": targets.get(model, 1),
        "id": w.coordinator_oslo.pk,
        "app_label": "accounts",
        "content_type_id": ContentType.objects.get_for_model(Referral).pk,
        "url": "ukjent/side/",
    }
    if pattern.name == "admin:view_on_site":
        values["object_id"] = w.referral.pk
    return {kwarg: values[kwarg] for kwarg in pattern.kwargs}


def _path(pattern: Pattern, kwargs: dict) -> str:
    query = kwargs.get("?")
    kwargs = {k: v for k, v in kwargs.items() if k != "?"}
    if pattern.name:
        path = reverse(pattern.name, kwargs=kwargs)
    else:  # an unnamed pattern (the admin's redirects): fill its route in
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), pattern.route)
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
        path = "/" + route.lstrip("^").rstrip("$")
    return f"{path}?{urlencode(query, doseq=True)}" if query else path


def cells(w: World):
    """(pattern, category, kwargs) for every variant of every URL pattern."""
    variants = {**object_variants(w), **capability_variants(w), **other_variants(w)}
    for pattern in url_patterns():
        category = _category(pattern)
        if category == "exempt":
            continue
        if category == "admin":
            yield pattern, category, _admin_kwargs(w, pattern)
            continue
        for kwargs in variants.get(pattern.key, [{}]):
            yield pattern, category, kwargs


def _refused(response) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    location = response.get("Location", "")
    # The admin's logout sends someone who is not logged in to it to its index, and on to login.
    # A national admin who is no superuser is sent from the admin to her own pages.
    return response.status_code == 302 and (
        location.startswith((reverse("account_login"), reverse("admin:login")))
        or location in (reverse("admin:index"), reverse("natadmin"))
    )


def _capability_expected(w: World, key: str, kwargs: dict, role: str, method: str) -> set[int]:
    real = kwargs["token"] in (w.invitation_token, w.feed.token)
    if key == "calendar_feed":
        return ({200} if real else {404}) if method == "GET" else {405}
    if not real:
        return {404}
    if role != "logged_out":
        return {403}  # the invitation was sent to someone else
    return {200} if method == "GET" else {302}  # she accepts it: rolled back below


def _capability_allowed(key: str, kwargs: dict, w: World) -> set[str]:
    if key == "calendar_feed" and kwargs["token"] == w.feed.token:
        return {"session_place", "session_notes", "session_id"}
    if key == "invitation_accept" and kwargs["token"] == w.invitation_token:
        return {"invitation_email", "invitation_first_name"}
    return set()


# --- The matrix ----------------------------------------------------------------------------------


def _forbidden(w: World, sentinels: dict, category: str, key: str, kwargs: dict, role: str):
    allowed = set(ALLOWED.get(role, set()))
    if category == "capability":
        allowed |= _capability_allowed(key, kwargs, w)
    if category == "admin" and role == OWNED_ADMIN:
        allowed |= ALLOWED_IN_ADMIN | ALLOWED_IN_ADMIN_CELL.get(key, set())
    return {name: value for name, value in sentinels.items() if name not in allowed}


def _legitimate(w: World, category: str, key: str, kwargs: dict, role: str) -> bool:
    """A cell where the outsider may act on A, by design: A's rows may change (then restored)."""
    if (key, role) in LEGITIMATE:
        return True
    return (
        category == "capability" and role == "logged_out" and kwargs["token"] == w.invitation_token
    )


def _must_refuse(category: str, role: str) -> bool:
    return category == "object" or (category == "admin" and role != OWNED_ADMIN)


def _judge(w: World, category: str, key: str, kwargs: dict, role: str, method: str, response):
    """What is wrong with one answer (its status and what it shows)."""
    status, wrong = response.status_code, []
    legitimate = _legitimate(w, category, key, kwargs, role)
    if _must_refuse(category, role) and not legitimate and not _refused(response):
        wrong.append(f"not refused ({status})")
    # A group leader must not learn that a case exists: her refusals are "not found"
    # (accounts.access.REFUSED_AS_NOT_FOUND).
    if role == "group_leader_oslo" and category == "object" and status == 403:
        wrong.append("a group leader refused with 403, not 404")
    if category == "capability":
        expected = _capability_expected(w, key, kwargs, role, method)
        if status not in expected:
            wrong.append(f"{status}, expected {expected}")
    public = 405 if key in POST_ONLY else 200
    if (category, method, role) == ("public", "GET", "logged_out"):
        if key in PUBLIC_GET_REDIRECTS:
            if status != 302 or response["Location"] != reverse(PUBLIC_GET_REDIRECTS[key]):
                wrong.append(f"public page answered {status}, not the redirect to the login")
        elif status != public:
            wrong.append(f"public page answered {status}")
    found = leaked(
        response, _forbidden(w, w.sentinels(), category, key, kwargs, role), _path_of(response)
    )
    if found:
        wrong.append(f"{status} shows A's {found}")
    return wrong


def _path_of(response) -> str:
    request = response.wsgi_request
    return request.get_full_path()


def test_nobody_outside_a_reaches_a(world):
    w = world
    assert set(object_variants(w)) == OBJECT_NAMES, "every OBJECT_NAMES entry needs its variants"
    clients = {role: client_for(Client, w.actors[role]) for role in ROLES}
    before = {role: snapshot(w, actor=w.actors[role]) for role in ROLES}
    errors: list[str] = []
    problems: list[str] = []

    def record_exception(sender, request=None, **kwargs):
        errors.append(f"{sys.exc_info()[1]!r}")

    got_request_exception.connect(record_exception)
    logging.disable(logging.ERROR)  # thousands of expected 403s and 404s
    patterns, counted = set(), 0
    try:
        for pattern, category, kwargs in cells(w):
            path, key = _path(pattern, kwargs), pattern.key
            patterns.add(key)
            if key == "health":  # a worker is alive in this world, so /helse/ answers 200
                heartbeat_record(name="default")
            for role, method in itertools.product(ROLES, METHODS):
                if role == OWNED_ADMIN and category != "admin":
                    continue  # elsewhere, the "national_admin" column
                counted += 1
                user, cell = w.actors[role], f"{method} {path} ({key}) as {role}"
                errors.clear()
                writes, key_before = Writes(), session_key(clients[role])
                with transaction.atomic(), connection.execute_wrapper(writes):
                    if method == "GET":
                        response = clients[role].get(path)
                    else:
                        response = clients[role].post(path, payload(w, key, kwargs))
                    if response.status_code >= 500:
                        problems.append(f"{cell}: {response.status_code} {errors}")
                    problems += [
                        f"{cell}: {wrong}"
                        for wrong in _judge(w, category, key, kwargs, role, method, response)
                    ]
                    if writes.tables and not _legitimate(w, category, key, kwargs, role):
                        changed = changes(before[role], snapshot(w, actor=user))
                        if changed:
                            problems.append(f"{cell}: changed A's rows: {changed}")
                    transaction.set_rollback(True)
                if not still_logged_in(clients[role], user, key_before):  # she logged out
                    clients[role] = client_for(Client, user)
    finally:
        logging.disable(logging.NOTSET)
        got_request_exception.disconnect(record_exception)
    print(f"\nmatrix: {len(patterns)} URL patterns, {counted} cells")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# --- The positive control: the matrix's requests do work for the rightful person -----------------

OWNERS = [
    # (URL name, index of the variant in object_variants / capability_variants, who)
    ("invitation_revoke", 0, "coordinator_oslo"),
    ("notification_open", 0, "coordinator_oslo"),
    ("volunteer_transition", 0, "coordinator_oslo"),
    ("volunteer_approve", 0, "coordinator_oslo"),
    ("screening_record", 0, "coordinator_oslo"),
    ("screening_record", 1, "coordinator_oslo"),
    ("screening_record", 2, "coordinator_oslo"),
    ("screening_record", 3, "coordinator_oslo"),
    ("commitment_renew", 0, "coordinator_oslo"),
    ("commitment_end", 0, "coordinator_oslo"),
    ("volunteer_log_out_everywhere", 0, "coordinator_oslo"),
    # (volunteer_invite_to_log_in: A's ressursvenn has a login already; its own test,
    # tests/volunteers/test_import.py, shows the request working.)
    ("volunteer_reset_two_step", 0, "coordinator_oslo"),
    ("volunteer_erase", 0, "coordinator_oslo"),
    ("session_update", 0, "coordinator_oslo"),
    ("session_cancel", 0, "coordinator_oslo"),
    ("session_enrol", 0, "coordinator_oslo"),
    ("session_attendance", 0, "coordinator_oslo"),
    # (session_walk_in: everyone of A in the held session attended already, with a seat; its
    # own tests, tests/courses/test_walk_in.py, show the request working.)
    ("volunteer_sessions", 0, "coordinator_oslo"),
    ("enrolment_cancel", 0, "coordinator_oslo"),
    ("my_session_sign_up", 0, "volunteer_oslo"),
    ("my_gathering_sign_up", 0, "volunteer_oslo"),
    ("my_gathering_sign_off", 0, "venn"),
    ("gathering_update", 0, "coordinator_oslo"),
    ("gathering_cancel", 0, "coordinator_oslo"),
    ("gathering_sign_up_for", 0, "coordinator_oslo"),
    ("gathering_sign_off_for", 0, "coordinator_oslo"),
    ("referral_take", 0, "coordinator_oslo"),
    ("referral_transfer", 0, "coordinator_oslo"),
    ("referral_withdraw", 0, "shelter_worker_oslo"),
    ("match_propose", 0, "coordinator_oslo"),
    ("referral_consent_withdrawn", 0, "shelter_worker_oslo"),
    ("match_action", 0, "coordinator_oslo"),  # pause
    ("match_end", 0, "coordinator_oslo"),
    ("match_action", 4, "coordinator_oslo"),  # first meeting
    ("match_action", 6, "coordinator_oslo"),  # cancel
    ("referral_commitment_renew", 0, "coordinator_oslo"),
    ("concern_detail", 0, "coordinator_oslo"),
    ("follow_up_action", 0, "coordinator_oslo"),
    ("follow_up_action", 1, "coordinator_oslo"),
    ("meeting_edit", 0, "venn"),
    ("my_match_answer", 0, "venn"),
    ("my_wellbeing_delete", 0, "venn"),
    ("wellbeing_talked", 0, "coordinator_oslo"),
    ("invitation_accept", 0, "logged_out"),
    ("group_edit", 0, "coordinator_oslo"),
    ("group_detail", 0, "coordinator_oslo"),
    ("group_session_attendance", 0, "coordinator_oslo"),
    ("group_detail", 0, "group_leader_oslo"),
    ("group_session_attendance", 0, "group_leader_oslo"),
]


def _owner(w: World, who: str):
    return {
        "coordinator_oslo": w.coordinator_oslo,
        "shelter_worker_oslo": w.shelter_worker_oslo,
        "venn": w.venn_user,
        "group_leader_oslo": w.actors["group_leader_oslo"],
        "volunteer_oslo": w.actor_oslo,
        "logged_out": None,
    }[who]


def test_the_matrix_requests_work_for_the_rightful_person(world):
    """Without this, a typo in a payload would make the matrix's refusals prove nothing."""
    w = world
    variants = {**object_variants(w), **capability_variants(w)}
    patterns = {p.key: p for p in url_patterns()}
    before = snapshot(w)
    failures = []
    for name, index, who in OWNERS:
        kwargs = variants[name][index]
        path = _path(patterns[name], kwargs)
        client = Client()
        if _owner(w, who) is not None:
            login(client, _owner(w, who))
        with transaction.atomic():
            response = client.post(path, payload(w, name, kwargs))
            changed = changes(before, snapshot(w))
            if response.status_code not in (200, 302) or not changed:
                failures.append(f"{path} ({name}) as {who}: {response.status_code}, no change")
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


# The sentinels are really on A's pages for A's people, so their absence elsewhere means something.
SHOWN = [
    ("referral_detail", 0, "coordinator_oslo", "alias"),
    ("referral_safety_notes", 0, "coordinator_oslo", "safety_notes"),
    ("referral_safety_notes", 1, "shelter_worker_oslo", "waiting_safety_notes"),
    ("referral_data", 0, "coordinator_oslo", "wishes"),
    ("match_detail", 0, "coordinator_oslo", "meeting_note"),
    ("match_detail", 0, "coordinator_oslo", "follow_up_note"),
    ("concern_detail", 0, "coordinator_oslo", "concern"),
    ("volunteer_detail", 0, "coordinator_oslo", "interview_note"),
    ("volunteer_detail", 0, "coordinator_oslo", "motivation"),
    ("volunteer_detail", 1, "coordinator_oslo", "wellbeing_note"),
    ("volunteer_data", 1, "coordinator_oslo", "commitment_note"),
    ("meeting_edit", 0, "venn", "meeting_note"),
    ("session_detail", 0, "coordinator_oslo", "session_place"),
    ("group_detail", 0, "coordinator_oslo", "group_place"),
    ("session_detail", 0, "coordinator_oslo", "venn_first_name"),
    ("gathering_detail", 0, "coordinator_oslo", "venn_first_name"),
    ("calendar_feed", 0, "logged_out", "session_place"),
    ("invitation_accept", 0, "logged_out", "invitation_email"),
]
SHOWN_OWN = [
    ("invitation_list", "coordinator_oslo", "invitation_email"),
    ("referral_list", "coordinator_oslo", "waiting_alias"),
    ("referral_list", "shelter_worker_oslo", "proposed_alias"),
    ("volunteer_list", "coordinator_oslo", "applicant_first_name"),
    ("notification_list", "coordinator_oslo", "notification_id"),
    ("statistics", "coordinator_oslo", "withdrawn_reason"),
]


def test_the_sentinels_are_on_a_pages_for_a_people(world):
    w = world
    sentinels = w.sentinels()
    variants = {**object_variants(w), **capability_variants(w)}
    patterns = {p.key: p for p in url_patterns()}
    missing = []
    requests = [(n, _path(patterns[n], variants[n][i]), who, s) for n, i, who, s in SHOWN]
    requests += [(n, reverse(n), who, s) for n, who, s in SHOWN_OWN]
    for name, path, who, sentinel in requests:
        client = Client()
        if _owner(w, who) is not None:
            login(client, _owner(w, who))
        response = client.get(path)
        if sentinels[sentinel].lower() not in response.content.decode().lower():
            missing.append(f"{path} ({name}) as {who}: {response.status_code}, no {sentinel}")
    assert not missing, "\n".join(missing)
