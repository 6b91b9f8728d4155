import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests make many users and sign in many times; PBKDF2 would spend minutes hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
