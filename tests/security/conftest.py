import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests sign in and fail to sign in many times; the production hasher's cost is the
    # point in production and only time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
