"""A fast hasher for the passwords radtik draws at random itself (a new tenant's admin when the
operator gave none).

Django's default PBKDF2 (1,000,000 rounds, 0.3-0.4 s here) is there to slow the guessing of
passwords people choose. A 96-bit random token cannot be guessed however fast each try is, so
its hash needs one round; the request that creates a tenant no longer spends most of its time
hashing. It is not the preferred hasher: Django re-hashes the password with the default at the
first login (check_password's setter), and chosen passwords always get the default.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class GeneratedPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_generated"
    iterations = 1


GENERATED_PASSWORD_HASHER = GeneratedPasswordHasher.algorithm
