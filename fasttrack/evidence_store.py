"""Where evidence files are kept. Kept out of STATIC and with no MEDIA_URL route, so no address
serves them: downloads go through a view that asks access. Locally a private folder; s3 keeps
them in an S3-compatible bucket (django-storages, the AWS_* variables)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured


def evidence_store(env: environ.Env, kind: str, root: Path) -> dict:
    """The STORAGES entry for evidence of EVIDENCE_STORAGE's `kind`."""
    if kind == "s3":
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    if kind == "local":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # base_url None: the store has no public address to hand out.
            "OPTIONS": {"location": str(root), "base_url": None},
        }
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE is {kind!r}: use local (the default) or s3.")
