"""The private S3 backend (settings name it when AWS_STORAGE_BUCKET_NAME is set).

Only that setting imports this module: boto3, botocore and cryptography
weigh about 20 MB per web worker, which a server on local disk never needs
(files.reader holds what every upload uses).
"""

from boto3.s3.transfer import TransferConfig
from storages.backends.s3 import S3Storage

from .reader import MB

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
