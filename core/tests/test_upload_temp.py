import os
import time
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import call_command

from core.tasks import purge_upload_temp_files


@pytest.fixture
def temp_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


def age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_uploads_stream_to_the_configured_folder(temp_dir):
    upload = TemporaryUploadedFile("roman.pdf", "application/pdf", 10, "utf-8")
    try:
        assert os.path.dirname(upload.temporary_file_path()) == str(temp_dir)
    finally:
        upload.close()


def test_purge_removes_only_stale_temporary_uploads(temp_dir):
    stale = temp_dir / "tmpabc123.upload.pdf"
    fresh = temp_dir / "tmpdef456.upload.docx"
    other = temp_dir / "notes.txt"
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    age(stale, 2 * 60 * 60)
    age(other, 2 * 60 * 60)

    out = StringIO()
    call_command("purge_upload_temp_files", stdout=out)
    assert "1 fichier(s) temporaire(s) supprimé(s)" in out.getvalue()
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert purge_upload_temp_files() == 0  # idempotent


def test_purge_runs_every_hour_in_beat():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["purge-upload-temp-files"]
    assert schedule["task"] == "core.tasks.purge_upload_temp_files"
    assert schedule["schedule"] <= 60 * 60
