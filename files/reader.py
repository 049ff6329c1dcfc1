"""The reader that feeds a storage: uploads stream from Django's temporary
upload file to the storage in one sequential pass that also computes the
SHA-256 and counts the bytes, so a 100 MB manuscript costs a few MB of
memory, on local disk and on S3 alike.
"""

import hashlib

MB = 1024 * 1024


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
