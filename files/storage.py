"""The storage side: a private S3 backend and the reader that feeds it.

Uploads stream from Django's temporary upload file to the storage in one
sequential pass that also computes the SHA-256 and counts the bytes, so a
100 MB manuscript costs a few MB of memory, on local disk and on S3 alike.
"""

import hashlib

from boto3.s3.transfer import TransferConfig
from storages.backends.s3 import S3Storage

MB = 1024 * 1024
# The smallest part S3 accepts (except the last one).
S3_PART_SIZE = 5 * MB


def bounded_transfer_config():
    """An S3 transfer that holds two parts in memory at most.

    Our upload stream cannot seek (it hashes as it goes), so s3transfer reads
    each part into memory before sending it, by default up to ten parts of
    8 MB ahead. Here one 5 MB part is sent while the next one is read from
    the temporary upload file: about 10 MB per upload in progress, whatever
    the file size, and still a full-speed single stream to S3.
    """
    config = TransferConfig(
        multipart_threshold=S3_PART_SIZE,
        multipart_chunksize=S3_PART_SIZE,
        max_concurrency=2,
    )
    # Not an argument of boto3's TransferConfig, but read by s3transfer.
    config.max_in_memory_upload_chunks = 1
    return config


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend with defaults that keep files private.

    Objects get no ACL (the bucket's private default applies), are only ever
    read through presigned URLs valid five minutes, and never overwrite each
    other. Settings may pass other values, but nothing is public by mistake.
    """

    default_acl = None
    querystring_auth = True
    querystring_expire = 300
    file_overwrite = False
    signature_version = "s3v4"

    def __init__(self, **settings):
        settings.setdefault("transfer_config", bounded_transfer_config())
        super().__init__(**settings)


class DigestingReader:
    """An upload read once, in order, hashed and counted on the way.

    Storages consume it either through ``chunks()`` (FileSystemStorage) or
    ``read(n)`` (S3's multipart upload). It does not seek, which makes
    s3transfer read the parts sequentially, so the digest is that of the
    bytes exactly as they were stored.
    """

    chunk_size = 1 * MB

    def __init__(self, uploaded_file, *, name, content_type):
        self.name = name
        # S3Storage reads the object's Content-Type here: ours is the detected
        # one, never the browser's.
        self.content_type = content_type
        self.size = 0
        self.closed = False
        self._source = uploaded_file
        self._sha256 = hashlib.sha256()
        self._started = False

    @property
    def checksum(self):
        return self._sha256.hexdigest()

    def _start(self):
        if self._started:
            raise OSError("An upload stream can only be read once.")
        self._started = True

    def _take(self, data):
        if isinstance(data, str):
            data = data.encode()
        self._sha256.update(data)
        self.size += len(data)
        return data

    def chunks(self, chunk_size=None):
        self._start()
        for chunk in self._source.chunks(chunk_size or self.chunk_size):
            yield self._take(chunk)

    def read(self, size=-1):
        if not self._started:
            self._start()
            self._source.seek(0)
        if size is None or size < 0:
            parts = []
            while chunk := self._source.read(self.chunk_size):
                parts.append(self._take(chunk))
            return b"".join(parts)
        # One allocation of `size` bytes per part; a short read (a pipe, a
        # socket) is completed so that every S3 part but the last is full.
        data = self._source.read(size)
        if data and len(data) < size:
            parts = [data]
            missing = size - len(data)
            while missing > 0 and (more := self._source.read(missing)):
                parts.append(more)
                missing -= len(more)
            data = b"".join(parts)
        return self._take(data or b"")

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        # The caller owns the uploaded file and closes it.
        self.closed = True
