"""Encryption at rest: a stolen dump holds no plaintext, keys rotate, production needs keys."""

import os
import shutil
import subprocess
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from cryptography.fernet import Fernet
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone

from common import crypto
from matching import services
from matching.models import (
    Concern,
    FollowUp,
    Match,
    MatchStatus,
    Meeting,
    Referral,
    ReferralEvent,
    ReferralLanguage,
)
from volunteers.models import CommitmentPeriod, Volunteer

pytestmark = pytest.mark.django_db

SENTINELS = {
    "referral.alias": "Zentinel-Alias",
    "referral.safety_notes": "SENTINEL-SAFETY-7f3a",
    "referral.wishes": "SENTINEL-WISHES-91c2",
    "referral.phone": "+4799887766",
    "meeting.note": "SENTINEL-MEETING-55e1",
    "concern.text": "SENTINEL-CONCERN-0b7d",
    "concern.follow_up_note": "SENTINEL-FOLLOWUP-NOTE-e2a9",
    "followup.note": "SENTINEL-CONVERSATION-3c44",
    "match.end_note": "SENTINEL-ENDNOTE-8812",
    "volunteer.interview_note": "SENTINEL-INTERVIEW-6d90",
    "commitment.end_note": "SENTINEL-COMMITMENT-1f2e",
    "match.first_meeting_place": "SENTINEL-PLACE-4b1d",
    "referral.withdrawn_reason": "SENTINEL-WITHDRAWN-9e07",
    "referralevent.reason": "SENTINEL-TRANSFER-REASON-2c58",
}
# What her alias and safety notes said before the shelter corrected them: the change history
# saw these too.
EARLIER = {
    "referral.alias (before)": "Zentinel-Before",
    "referral.safety_notes (before)": "SENTINEL-SAFETY-BEFORE-d41e",
}

# The woman's records, and their fields that hold only a code picked from a list (a language).
HER_MODELS = (Referral, ReferralEvent, ReferralLanguage, Match, Meeting, Concern, FollowUp)
CODE_FIELDS = {"referral.preferred_language", "referral.wish_language", "referrallanguage.code"}


def her_free_text_fields() -> set[str]:
    """Every text field of her records that a person types into (no choices, no code)."""
    return {
        f"{model._meta.model_name}.{field.name}"
        for model in HER_MODELS
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not isinstance(field, crypto.EncryptedIntegerField)
    } - CODE_FIELDS


@pytest.fixture
def planted(oslo, coordinator_oslo, volunteer_oslo, make_volunteer, make_referral):
    """Every encrypted field, and every free-text field of her records, holds a sentinel; her
    alias and safety notes were changed once, so the change history has seen them twice."""
    nora = make_volunteer(
        oslo, user=volunteer_oslo, interview_note=SENTINELS["volunteer.interview_note"]
    )
    CommitmentPeriod.objects.filter(volunteer=nora).update(
        end_note=SENTINELS["commitment.end_note"]
    )
    referral = make_referral(
        oslo,
        alias=EARLIER["referral.alias (before)"],
        safety_notes=EARLIER["referral.safety_notes (before)"],
        wishes=SENTINELS["referral.wishes"],
        phone=SENTINELS["referral.phone"],
        considerations=7,
        withdrawn_reason=SENTINELS["referral.withdrawn_reason"],
    )
    referral.alias = SENTINELS["referral.alias"]
    referral.safety_notes = SENTINELS["referral.safety_notes"]
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        kind=ReferralEvent.Kind.TRANSFERRED,
        reason=SENTINELS["referralevent.reason"],
    )
    match = Match.objects.create(
        referral=referral,
        volunteer=nora,
        status=MatchStatus.ACTIVE,
        started_on=timezone.localdate() - timedelta(days=10),
        planned_end_on=timezone.localdate() + timedelta(days=355),
        end_note=SENTINELS["match.end_note"],
        first_meeting_place=SENTINELS["match.first_meeting_place"],
    )
    meeting = services.meeting_log(
        match=match,
        by=volunteer_oslo,
        day=timezone.localdate(),
        met=True,
        minutes=60,
        activities=1,
        note=SENTINELS["meeting.note"],
        concern=SENTINELS["concern.text"],
    )
    services.concern_follow_up(
        concern=meeting.concern, by=coordinator_oslo, note=SENTINELS["concern.follow_up_note"]
    )
    FollowUp.objects.create(
        match=match, kind="2w", due_on=timezone.localdate(), note=SENTINELS["followup.note"]
    )
    return referral


def test_every_sensitive_field_is_encrypted_and_reads_back(planted):
    referral = Referral.objects.get(pk=planted.pk)
    assert referral.safety_notes == SENTINELS["referral.safety_notes"]
    assert referral.considerations == 7
    assert referral.alias == SENTINELS["referral.alias"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT safety_notes, considerations, alias FROM matching_referral WHERE id = %s",
            [planted.pk],
        )
        raw_notes, raw_flags, raw_alias = cursor.fetchone()
    assert SENTINELS["referral.safety_notes"] not in raw_notes
    assert SENTINELS["referral.alias"] not in raw_alias
    assert all(raw.startswith("gAAAA") for raw in (raw_notes, raw_flags, raw_alias))
    assert crypto.decrypt(raw_notes) == SENTINELS["referral.safety_notes"]
    assert crypto.decrypt(raw_alias) == SENTINELS["referral.alias"]
    encrypted = {
        f"{model._meta.model_name}.{name}"
        for model, names in crypto.encrypted_fields()
        for name in names
    }
    assert encrypted >= {
        "referral.alias",
        "referral.safety_notes",
        "referral.wishes",
        "referral.phone",
        "referral.considerations",
        "meeting.note",
        "concern.text",
        "concern.follow_up_note",
        "followup.note",
        "match.end_note",
        "volunteer.interview_note",
        "commitmentperiod.end_note",
        "match.first_meeting_place",
        "referral.withdrawn_reason",
        "referralevent.reason",
    }


def test_every_free_text_field_of_her_records_is_encrypted_and_gets_a_sentinel():
    """A text field added to her records later must be encrypted and planted below too."""
    free_text = her_free_text_fields()
    assert "referral.alias" in free_text and "referral.safety_notes" in free_text
    assert free_text <= set(SENTINELS), free_text - set(SENTINELS)
    encrypted = {
        f"{model._meta.model_name}.{name}"
        for model, names in crypto.encrypted_fields()
        for name in names
    }
    assert free_text <= encrypted, free_text - encrypted


def test_the_change_history_masks_every_encrypted_field(settings):
    tracked = {
        item["model"]: set(item.get("mask_fields", []))
        for item in settings.AUDITLOG_INCLUDE_TRACKING_MODELS
    }
    for model, names in crypto.encrypted_fields():
        label = model._meta.label_lower
        if label in tracked:
            assert set(names) <= tracked[label], label


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not shutil.which("pg_dump"),
    reason="needs PostgreSQL and pg_dump",
)
def test_a_database_dump_holds_no_plaintext(planted):
    db = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dump = result.stdout
    # The dump is real: it has her referral's row and its change history (created, then changed).
    assert "COPY public.matching_referral " in dump and str(planted.public_id) in dump
    assert "COPY public.auditlog_logentry " in dump
    assert (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Referral), object_pk=str(planted.pk)
        ).count()
        == 2
    )
    found = [name for name, sentinel in {**SENTINELS, **EARLIER}.items() if sentinel in dump]
    assert found == []


def test_rotating_the_key_re_encrypts_every_row(planted, settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_key", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still reads
    referral = Referral.objects.get(pk=planted.pk)
    assert referral.safety_notes == SENTINELS["referral.safety_notes"]
    assert referral.alias == SENTINELS["referral.alias"]
    assert Meeting.objects.get().note == SENTINELS["meeting.note"]
    assert Concern.objects.get().text == SENTINELS["concern.text"]
    assert (
        Volunteer.objects.get(interview_note__isnull=False, user__isnull=False).interview_note
        == SENTINELS["volunteer.interview_note"]
    )
    from allauth.mfa.models import Authenticator

    for totp in Authenticator.objects.filter(type="totp"):
        assert len(crypto.decrypt(totp.data["secret"])) >= 16


def test_a_missing_key_is_a_loud_error_not_ciphertext(planted, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="Cannot decrypt"):
        Referral.objects.get(pk=planted.pk)


def test_two_step_secrets_are_encrypted(coordinator_oslo):
    from allauth.mfa.models import Authenticator

    secret = coordinator_oslo.totp_secret
    stored = Authenticator.objects.get(user=coordinator_oslo, type="totp").data["secret"]
    assert secret not in stored and crypto.decrypt(stored) == secret


def test_history_written_before_the_place_was_masked_is_masked_by_the_migration(
    oslo, volunteer_oslo, make_volunteer, make_referral
):
    from importlib import import_module

    from auditlog.models import LogEntry
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = import_module("matching.migrations.0008_mask_history_of_places_and_reasons")
    match = Match.objects.create(
        referral=make_referral(oslo), volunteer=make_volunteer(oslo), status=MatchStatus.PROPOSED
    )
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Match),
        object_pk=str(match.pk),
        object_repr="match",
        action=LogEntry.Action.UPDATE,
        changes={"first_meeting_place": ["", "Kafé ved krisesenteret"], "status": ["a", "b"]},
    )
    migration.mask_old_entries(apps, None)
    old.refresh_from_db()
    assert old.changes["first_meeting_place"] == ["(changed)", "(changed)"]
    assert old.changes["status"] == ["a", "b"]


def test_the_change_history_shows_only_that_her_alias_changed(planted):
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral), object_pk=str(planted.pk)
    ).order_by("pk")
    created, changed = entries
    assert created.changes["alias"] == ["(endret)", "(endret)"]
    assert changed.changes["alias"] == ["(endret)", "(endret)"]
    text = str(created.changes) + str(changed.changes) + created.changes_text + changed.changes_text
    assert not [name for name, value in {**SENTINELS, **EARLIER}.items() if value in text]


def test_the_migration_encrypts_existing_aliases_and_going_back_decrypts_them(oslo, make_referral):
    from importlib import import_module

    migration = import_module("matching.migrations.0009_encrypt_alias")
    forward, backward = (
        migration.Migration.operations[1].code,
        migration.Migration.operations[1].reverse_code,
    )
    referral = make_referral(oslo, alias="Kari")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE matching_referral SET alias = 'Amal' WHERE id = %s", [referral.pk])

    def raw():
        with connection.cursor() as cursor:
            cursor.execute("SELECT alias FROM matching_referral WHERE id = %s", [referral.pk])
            return cursor.fetchone()[0]

    schema_editor = SimpleNamespace(connection=connection)
    forward(None, schema_editor)
    assert raw().startswith("gAAAA") and Referral.objects.get(pk=referral.pk).alias == "Amal"
    token = raw()
    forward(None, schema_editor)  # again: a token is left alone
    assert raw() == token
    backward(None, schema_editor)
    assert raw() == "Amal"


def test_history_written_before_the_alias_was_masked_is_masked_by_the_migration(
    oslo, make_referral
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("matching.migrations.0010_mask_history_of_alias")
    referral = make_referral(oslo)
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Referral),
        object_pk=str(referral.pk),
        object_repr="referral",
        action=LogEntry.Action.UPDATE,
        changes={"alias": ["Amal", "Amal Sara"], "status": ["received", "being_matched"]},
        changes_text="alias: Amal → Amal Sara",
    )
    migration.mask_old_entries(apps, None)
    old.refresh_from_db()
    assert old.changes["alias"] == ["(changed)", "(changed)"]
    assert old.changes["status"] == ["received", "being_matched"]
    assert old.changes_text == ""
