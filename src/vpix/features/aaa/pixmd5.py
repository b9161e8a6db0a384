"""The PIX password hash (`enable password … encrypted`, `passwd … encrypted`).

MD5 of the password NUL-padded to 16 bytes; of the digest, the first three bytes of each
four are written six bits at a time in the crypt alphabet. Usernames salt their password
with the first four characters of the name.
"""

from __future__ import annotations

import hashlib

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def pix_md5(password: str, salt: str = "") -> str:
    data = (password + salt[:4]).encode()[:16].ljust(16, b"\0")
    digest = hashlib.md5(data).digest()
    out = []
    for i in range(0, 16, 4):
        value = digest[i] | digest[i + 1] << 8 | digest[i + 2] << 16
        for _ in range(4):
            out.append(_ALPHABET[value & 0x3F])
            value >>= 6
    return "".join(out)
