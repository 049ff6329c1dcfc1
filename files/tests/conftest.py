import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest

S3_REGION = "eu-west-3"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server) listening on 127.0.0.1.

    It runs in its own process rather than in a thread: the upload tests
    measure this process's memory, and the emulator keeps whole objects in
    its own.
    """
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the moto S3 server did not start")
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=S3_REGION, **FAKE_CREDENTIALS)


@pytest.fixture
def s3_bucket(settings, s3_endpoint, s3_client):
    """Point the default storage at a fresh private bucket, as production does."""
    bucket = f"staka-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    # The settings fixture sends setting_changed: Django drops its cached
    # storages, so default_storage (and FileField.storage) become S3.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "files.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "region_name": S3_REGION,
                "access_key": FAKE_CREDENTIALS["aws_access_key_id"],
                "secret_key": FAKE_CREDENTIALS["aws_secret_access_key"],
            },
        },
    }
    return bucket
