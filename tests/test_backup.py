"""manage.py backup and restore around the drill (tests/integration/test_restore_drill.py): the
rotation, which keys a backup needs, the checks made before anything changes, SQLite, the
nightly schedule and its task."""

import json
import logging
import runpy
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from accounts.audit import audit_key_id
from common.crypto import key_fingerprint
from ressursvenner import backup, tasks

KEY_A = "k8ldN1e0iZ7q3x1q0dYpXb4Q1kqv3mV1s3bS7wC0n1A="
KEY_B = "3m8J5HkzkVvYp0m9d3y9b3F7b1Xv8a2r5m0Q6c1x7s4="
AUDIT_A = "a" * 40
AUDIT_B = "b" * 40


def _touch_backup(folder: Path, stamp: str) -> Path:
    dump = folder / f"ressursvenner-{stamp}.dump"
    dump.write_bytes(b"dump")
    dump.with_suffix(".json").write_text("{}")
    return dump


def test_rotation_keeps_the_newest_and_touches_nothing_else(tmp_path):
    stamps = [f"2026120{day}T020000Z" for day in range(1, 6)]
    for stamp in stamps:
        _touch_backup(tmp_path, stamp)
    (tmp_path / "notes.txt").write_text("the operator's own file")
    (tmp_path / "ressursvenner-20261201T020000Z.dump.partial").write_bytes(b"half")

    removed = backup.backups_rotate(tmp_path, keep=2)

    assert [path.name for path in removed] == [
        f"ressursvenner-{stamp}.dump" for stamp in reversed(stamps[:3])
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "notes.txt",
        "ressursvenner-20261201T020000Z.dump.partial",
        "ressursvenner-20261204T020000Z.dump",
        "ressursvenner-20261204T020000Z.json",
        "ressursvenner-20261205T020000Z.dump",
        "ressursvenner-20261205T020000Z.json",
    ]


def test_fingerprints_name_the_keys_without_showing_them(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    settings.AUDIT_LOG_KEYS = [AUDIT_A]
    fingerprints = backup.key_fingerprints()
    assert fingerprints == {
        "field_encryption": [key_fingerprint(KEY_B), key_fingerprint(KEY_A)],
        "audit_log": [audit_key_id(AUDIT_A)],
    }
    assert len(set(fingerprints["field_encryption"])) == 2
    text = json.dumps(fingerprints)
    assert KEY_A not in text and KEY_B not in text and AUDIT_A not in text
    # Its own prefix: not the access log's key id of the same text.
    assert key_fingerprint(KEY_A) != audit_key_id(KEY_A)


def _manifest(field_keys, audit_keys):
    return {
        "keys": {
            "field_encryption": [key_fingerprint(k) for k in field_keys],
            "audit_log": [audit_key_id(k) for k in audit_keys],
        }
    }


def test_a_server_needs_every_key_the_backup_was_made_with(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    settings.AUDIT_LOG_KEYS = [AUDIT_A]
    assert backup._missing_keys(_manifest([KEY_A], [AUDIT_A])) == []

    # A key rotated in after the backup is fine: the old one is still listed.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert backup._missing_keys(_manifest([KEY_A], [AUDIT_A])) == []

    # The old key removed: the backup cannot be read here.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    (problem,) = backup._missing_keys(_manifest([KEY_A], [AUDIT_A]))
    assert problem == (
        f"the backup was made with encryption key {key_fingerprint(KEY_A)}; this server has "
        f"{key_fingerprint(KEY_B)} (FIELD_ENCRYPTION_KEYS)"
    )

    # The access log's key is checked the same way.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    settings.AUDIT_LOG_KEYS = [AUDIT_B]
    (problem,) = backup._missing_keys(_manifest([KEY_A], [AUDIT_A]))
    assert problem.startswith(f"the backup was made with access-log key {audit_key_id(AUDIT_A)};")


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("backups are of PostgreSQL")


def _fake_backup(folder: Path, **manifest) -> Path:
    dump = _touch_backup(folder, "20261204T020000Z")
    content = {
        "format": backup.MANIFEST_FORMAT,
        "size": dump.stat().st_size,
        "sha256": backup._sha256(dump),
        "created_at": "2026-12-04T02:00:00Z",
        "app_version": "0.2.0",
        "database": "ressursvenner",
        "row_counts": {},
        "migrations": {},
        "keys": backup.key_fingerprints(),
        **manifest,
    }
    dump.with_suffix(".json").write_text(json.dumps(content))
    return dump


def test_a_damaged_copy_is_refused_before_anything_changes(postgresql, tmp_path):
    dump = _fake_backup(tmp_path)
    backup.restore_prepare(dump)  # whole: accepted
    dump.write_bytes(b"dumq")  # same size, one byte differs
    with pytest.raises(CommandError, match="not the file its manifest describes"):
        call_command("restore", str(dump), "--no-input")


def test_a_backup_without_its_manifest_is_refused(postgresql, tmp_path):
    dump = _fake_backup(tmp_path)
    dump.with_suffix(".json").unlink()
    with pytest.raises(CommandError, match="no manifest beside the backup"):
        call_command("restore", str(dump), "--no-input")


def test_a_backup_of_a_newer_version_is_refused(postgresql, tmp_path):
    dump = _fake_backup(tmp_path, migrations={"matching": "9999_from_the_future"})
    with pytest.raises(CommandError, match=r"newer version .*matching\.9999_from_the_future"):
        call_command("restore", str(dump), "--no-input")


def test_an_older_backup_says_to_migrate_after(postgresql, tmp_path):
    dump = _fake_backup(tmp_path, migrations={"matching": "0001_initial"})
    plan = backup.restore_prepare(dump)
    assert any("run manage.py migrate after the restore" in note for note in plan.notes)


def test_wrong_keys_are_refused_unless_forced(postgresql, tmp_path, settings):
    dump = _fake_backup(tmp_path)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(CommandError, match="Restore refused: the backup was made with encryption"):
        call_command("restore", str(dump), "--no-input")
    plan = backup.restore_prepare(dump, force=True)
    assert any(note.startswith("Warning (--force): the backup was made") for note in plan.notes)


def test_sqlite_is_not_supported_and_says_what_to_do(db, tmp_path, monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(CommandError) as refused:
        call_command("backup", "--dir", str(tmp_path))
    assert "PostgreSQL only" in str(refused.value) and ".backup" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_a_backup_needs_a_folder(settings):
    settings.BACKUP_DIR = ""
    with pytest.raises(CommandError, match="set BACKUP_DIR or pass --dir"):
        call_command("backup")


# --- The nightly run ----------------------------------------------------------------------------


def _settings_with(monkeypatch, **environment) -> dict:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    import ressursvenner.settings as module

    return runpy.run_path(module.__file__)


def test_the_nightly_backup_is_scheduled_only_when_backup_dir_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKUP_DIR", raising=False)
    assert "backup-nightly" not in _settings_with(monkeypatch)["CELERY_BEAT_SCHEDULE"]

    made = _settings_with(monkeypatch, BACKUP_DIR=str(tmp_path), BACKUP_QUEUE="backup")
    entry = made["CELERY_BEAT_SCHEDULE"]["backup-nightly"]
    assert entry["task"] == "ressursvenner.backup_nightly"
    assert entry["options"] == {"queue": "backup"}
    assert entry["schedule"].hour == {2}


def test_beats_schedule_file_can_live_outside_the_checkout(monkeypatch, tmp_path):
    made = _settings_with(monkeypatch, CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "schedule"))
    assert made["CELERY_BEAT_SCHEDULE_FILENAME"] == str(tmp_path / "schedule")


def test_the_nightly_task_backs_up_into_backup_dir_with_rotation(settings, monkeypatch, tmp_path):
    calls = []

    def backup_create(**kwargs):
        calls.append(kwargs)
        return backup.Backup(path=tmp_path / "x.dump", manifest={"size": 1})

    monkeypatch.setattr(backup, "backup_create", backup_create)
    settings.BACKUP_DIR, settings.BACKUP_KEEP = str(tmp_path), 7
    tasks.backup_nightly.delay()
    assert calls == [{"directory": tmp_path, "keep": 7}]


def test_the_nightly_task_skips_quietly_when_another_backup_runs(
    settings, monkeypatch, tmp_path, caplog
):
    def busy(**kwargs):
        raise backup.BackupBusy("another backup of this database is running")

    monkeypatch.setattr(backup, "backup_create", busy)
    settings.BACKUP_DIR = str(tmp_path)
    with caplog.at_level(logging.WARNING, logger="ressursvenner.tasks"):
        tasks.backup_nightly.delay()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "another backup" in caplog.records[0].getMessage()


def test_the_nightly_task_logs_an_error_without_backup_dir(settings, caplog):
    settings.BACKUP_DIR = ""
    with caplog.at_level(logging.ERROR, logger="ressursvenner.tasks"):
        tasks.backup_nightly.delay()
    assert "BACKUP_DIR is not set" in caplog.text
