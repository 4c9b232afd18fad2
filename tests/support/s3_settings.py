"""The standalone server's settings with attachments on S3 (django-storages)
at ``PARLEY_TEST_S3_URL``: moto's S3 server on loopback, for
``tests/live/test_attachments_s3.py``."""

import os

from parley.site.settings import *  # noqa: F403

S3_BUCKET = "parley-files"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "parley": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("PARLEY_TEST_S3_URL", ""),
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "default_acl": "private",
        },
    },
}
PARLEY_ATTACHMENT_STORAGE = "parley"
