"""The password hasher of accounts imported from the old Node/Prisma system.

The old system stored raw bcrypt hashes (``$2a$10$…``, ``$2b$12$…``,
``$2y$…``); ``manage.py import_legacy`` stores them as
``legacy_bcrypt$<raw hash>`` so those users log in with their old password.
``must_update`` is True: at the first successful login Django re-hashes the
password with our default hasher (the first of PASSWORD_HASHERS), so the
legacy hashes disappear as people come back.
"""

import re

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _noop

# What the old system wrote: bcrypt, variant 2a/2b/2y, a two-digit cost, 53
# characters of salt and hash in bcrypt's base64 alphabet.
RAW_BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
# bcrypt only ever reads the first 72 bytes of a password.
BCRYPT_MAX_BYTES = 72


def is_raw_bcrypt(value):
    return bool(RAW_BCRYPT.match(value or ""))


class LegacyBcryptPasswordHasher(BasePasswordHasher):
    algorithm = "legacy_bcrypt"
    library = "bcrypt"
    rounds = 10  # the old system's cost (only used if something encodes with this hasher)

    @staticmethod
    def _password_bytes(password):
        # The Node bcrypt library silently used the first 72 bytes of longer
        # passwords; bcrypt >= 5 raises instead. Truncating the same way is
        # what lets such a user log in with the password they always typed.
        data = password.encode() if isinstance(password, str) else bytes(password)
        return data[:BCRYPT_MAX_BYTES]

    def salt(self):
        bcrypt = self._load_library()
        return bcrypt.gensalt(self.rounds)

    def encode(self, password, salt):
        bcrypt = self._load_library()
        self._check_encode_args(password, salt)
        raw = bcrypt.hashpw(self._password_bytes(password), salt)
        return f"{self.algorithm}${raw.decode('ascii')}"

    def decode(self, encoded):
        algorithm, raw = encoded.split("$", 1)
        assert algorithm == self.algorithm
        _empty, variant, cost, salt_and_hash = raw.split("$")
        return {
            "algorithm": algorithm,
            "variant": variant,
            "work_factor": int(cost),
            "salt": salt_and_hash[:22],
            "checksum": salt_and_hash[22:],
        }

    def verify(self, password, encoded):
        bcrypt = self._load_library()
        algorithm, raw = encoded.split("$", 1)
        if algorithm != self.algorithm or not is_raw_bcrypt(raw):
            return False
        candidate = bcrypt.hashpw(self._password_bytes(password), raw.encode("ascii"))
        return constant_time_compare(candidate, raw.encode("ascii"))

    def must_update(self, encoded):
        return True

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _noop("algorithm"): decoded["algorithm"],
            _noop("work factor"): decoded["work_factor"],
            _noop("salt"): mask_hash(decoded["salt"]),
            _noop("checksum"): mask_hash(decoded["checksum"]),
        }

    def harden_runtime(self, password, encoded):
        # Every legacy hash is upgraded at its first login: no cost to catch up.
        pass
