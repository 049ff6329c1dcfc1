"""Temporary upload files left behind by killed requests.

Django streams an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
file in FILE_UPLOAD_TEMP_DIR and deletes it when the request ends. A worker
killed mid-upload (timeout, out of memory, deploy) never gets there: its file
stays. A file nobody has written for UPLOAD_TEMP_MAX_AGE is such an orphan
(an upload in progress keeps writing; a finished one is gone within its
request). The beat task and ``manage.py purge_upload_temp_files`` remove them.
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

UPLOAD_TEMP_MAX_AGE = timedelta(hours=1)
# Django names them tmpXXXXXXXX.upload.<extension> (TemporaryUploadedFile).
UPLOAD_TEMP_PATTERN = "*.upload*"


def upload_temp_dir():
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def upload_temp_purge(*, older_than=UPLOAD_TEMP_MAX_AGE):
    """Delete orphaned temporary uploads; return how many were removed."""
    directory = upload_temp_dir()
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in directory.glob(UPLOAD_TEMP_PATTERN):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # finished or purged meanwhile
            continue
    if removed:
        logger.info("removed %s orphaned temporary upload(s) from %s", removed, directory)
    return removed
