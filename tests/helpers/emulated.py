"""The device's own FTP and HTTP clients (vpix.transfer) run from an emulated host, with
what they ended with in one value, as the transfer tests between hosts want it."""

from __future__ import annotations

from dataclasses import dataclass

from vpix.transfer import ftp, http
from vpix.transfer.remote import reason


@dataclass
class Outcome:
    """How a client's transfer ended: ``data`` when it worked, else ``error``."""
    data: bytes | None = None
    error: str | None = None


def _ended(chunks: list[bytes], done, upload: bytes | None = None):
    def finished(failure) -> None:
        if failure is None:
            done(Outcome(data=upload if upload is not None else b"".join(chunks)))
        elif isinstance(failure, ftp.FtpError):
            done(Outcome(error=f"{failure.code} {failure.text}"))
        elif isinstance(failure, http.HttpError):
            done(Outcome(error=f"{failure.status} {failure.reason}".strip()))
        else:
            done(Outcome(error=reason(failure)))
    return finished


def ftp_get(tcp, server: str, name: str, done, passive: bool = True):
    chunks: list[bytes] = []
    return ftp.FtpSession(tcp, server, _ended(chunks, done), passive=passive).fetch(name, chunks.append)


def ftp_put(tcp, server: str, name: str, contents: bytes, done, passive: bool = True):
    return ftp.FtpSession(tcp, server, _ended([], done, contents), passive=passive).store(name, contents)


def http_get(tcp, server: str, name: str, done, idle_timeout: float = 10.0):
    chunks: list[bytes] = []
    return http.HttpGet(tcp, f"http://{server}/{name}", chunks.append, _ended(chunks, done),
                        idle_timeout=idle_timeout)
