"""STORAGES["default"] for an S3 bucket (django-storages), from the environment; settings.py uses
it when AWS_STORAGE_BUCKET_NAME is set, tests/test_object_storage.py against a local S3 server.

Attachments, raw inbound mail and rendered PDFs go there. The bucket stays private: objects are
written with a private ACL and no page links to one. Every download is streamed by the view that
checked who may have it, so the tenancy check, Content-Disposition: attachment and nosniff stay
ours (a presigned redirect would be cheaper for the web process, but a link that works for
anyone who holds it, for its lifetime, and served with the bucket's headers). docs/deploy.md, "Files".
"""


def s3_storage(env) -> dict:
    """`env`: a django-environ Env."""
    def optional(name: str):
        return env.str(name, default="") or None

    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "location": env.str("AWS_LOCATION", default=""),  # a key prefix, for a bucket shared with others
        "endpoint_url": optional("AWS_S3_ENDPOINT_URL"),  # MinIO, Ceph, a local server; unset: AWS
        "region_name": optional("AWS_S3_REGION_NAME"),
        # Unset: boto3's own chain (an instance or task role), so no key need sit in the environment.
        "access_key": optional("AWS_S3_ACCESS_KEY_ID"),
        "secret_key": optional("AWS_S3_SECRET_ACCESS_KEY"),
        "addressing_style": optional("AWS_S3_ADDRESSING_STYLE"),  # "path" for most servers other than AWS
        "default_acl": "private",
        # No URL of ours points at the bucket; should one ever be made, it is signed and short-lived.
        "querystring_auth": True,
        "querystring_expire": 60,
        # As on the filesystem: a name in use gets a new one; an object a row points at is never replaced.
        "file_overwrite": False,
    }}
