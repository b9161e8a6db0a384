"""The unit's RSA key pair, which SSH needs on 7.x/8.0: `crypto key generate rsa`, `crypto key
zeroize rsa`, `show crypto key mypubkey rsa`. The pair lives in the hidden area of flash, not
in the configuration: it survives reloads and `write erase`, as on the device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx
from vpix.features import PLATFORM, Feature
from vpix.features.device import Device
from vpix.features.device.commands import moment_text
from vpix.flash import Flash

STORED = "rsa-keypair"
NAME = "<Default-RSA-Key>"
MODULI = (1024, 2048)          # what the key library makes (the device also takes 512 and 768)


@dataclass(frozen=True)
class KeyPair:
    pem: bytes                 # the private key, OpenSSH's format
    made: datetime             # UTC

    def key(self):
        """The key as the SSH server takes it."""
        import asyncssh

        return asyncssh.import_private_key(self.pem)


def store(flash: Flash, pem: bytes, made: datetime) -> None:
    flash.write_private(STORED, f"# made {made.isoformat()}\n".encode() + pem)


def stored(flash: Flash) -> KeyPair | None:
    data = flash.read_private(STORED)
    if not data or not data.startswith(b"# made "):
        return None
    head, _, pem = data.partition(b"\n")
    return KeyPair(pem, datetime.fromisoformat(head[len(b"# made "):].decode()))


def generate(modulus: int = 1024) -> bytes:
    import asyncssh

    return asyncssh.generate_private_key("ssh-rsa", key_size=modulus).export_private_key()


class KeyPairs(Feature):
    """Nothing of it is configuration; the feature gives its commands a home."""
    spaces = PLATFORM


_HELP = {"crypto": "Configure IPsec, ISAKMP, certification authority, key", "key": "Long term key operations",
         "generate": "Generate new keys", "rsa": "Generate RSA keys", "general-keys": "Generate a general purpose RSA key pair",
         "modulus": "Provide number of modulus bits on the command line", "noconfirm": "Do not ask for confirmation",
         "zeroize": "Remove keys", "mypubkey": "Show public keys associated with this device",
         "bits": "Modulus size in bits"}


def _yes(answer: str) -> bool:
    """`[yes/no]`: only yes goes ahead."""
    return answer.strip().lower() in ("y", "yes")


def _flash(ctx: Ctx) -> Flash:
    return ctx.system.unit.flash


@command("crypto key generate rsa [general-keys] [modulus <bits:INT:512-4096>] [noconfirm]", mode="config",
         versions="7.x", help=_HELP)
def crypto_key_generate(ctx: Ctx):
    bits = ctx.args.get("bits", 1024)
    if bits not in MODULI:
        raise ctx.invalid("bits")
    if stored(_flash(ctx)) is not None and not ctx.args.get("noconfirm"):
        ctx.emit(f"WARNING: You have a RSA keypair already defined named {NAME}.\n\n")
        answer = yield Ask("Do you really want to replace them? [yes/no]: ")
        if not _yes(answer):
            return
    ctx.print(f"INFO: The name for the keys will be: {NAME}")
    ctx.print("Keypair generation process begin. Please wait...")
    store(_flash(ctx), generate(bits), ctx.system.unit.wall.now().astimezone(timezone.utc))


@command("crypto key zeroize rsa [noconfirm]", mode="config", versions="7.x", help=_HELP)
def crypto_key_zeroize(ctx: Ctx):
    if stored(_flash(ctx)) is None:
        raise CommandError("ERROR: No RSA keys found")
    if not ctx.args.get("noconfirm"):
        ctx.emit("WARNING: All RSA keys will be removed.\n"
                 "WARNING: All device digital certificates issued using these keys will also be removed.\n\n")
        answer = yield Ask("Do you really want to remove these keys? [yes/no]: ")
        if not _yes(answer):
            return
    _flash(ctx).delete_private(STORED)


@command("show crypto key mypubkey rsa", priv=1, versions="7.x", help=_HELP)
def show_mypubkey(ctx: Ctx):
    pair = stored(_flash(ctx))
    if pair is None:
        return
    from cryptography.hazmat.primitives import serialization

    public = serialization.load_ssh_private_key(pair.pem, None).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    words = [der[i:i + 4].hex() for i in range(0, len(der), 4)]
    made = ctx.system.root.feature(Device).zone.local(pair.made)
    ctx.print(f"Key pair was generated at: {moment_text(made)}")
    ctx.print(f"Key name: {NAME}")
    ctx.print(" Usage: General Purpose Key")
    ctx.print(f" Modulus Size (bits): {public.key_size}")
    ctx.print(" Key Data:")
    ctx.print("")
    for i in range(0, len(words), 8):
        ctx.print("  " + " ".join(words[i:i + 8]))
