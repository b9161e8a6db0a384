"""Files on servers, as URLs name them: fetching one (tftp://, ftp://, http[s]://), storing one
(tftp://, ftp://), and saying what went wrong in the device's words."""

from __future__ import annotations

import os
import ssl
from typing import Callable, Protocol
from urllib.parse import SplitResult, unquote, urlsplit

from vpix.clock import Clock
from vpix.net.tcp import NoRoute, TcpLayer
from vpix.transfer import ftp, http, tftp
from vpix.transfer.tftp_io import TftpRun

SCHEMES = ("tftp", "ftp", "http", "https")
WRITABLE = ("tftp", "ftp")
# What the device says of the TFTP errors a server sends (RFC 1350 codes).
_TFTP_ERRORS = {1: "No such file or directory", 2: "Permission denied", 3: "No space left on device",
                6: "File exists"}


def is_remote(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme.lower() in SCHEMES


class Net(Protocol):
    """A host's own network access, as the unit's endpoint gives it: its TCP, its UDP ports,
    its clock."""
    clock: Clock
    tcp: TcpLayer

    def udp_open(self, receive: Callable[[bytes, tuple[str, int]], None], via: str | None = None): ...


def fetch(net: Net, url: str, on_data: Callable[[bytes], None], done: Callable[[object], None], *,
          passive: bool = False, via: str | None = None):
    """Fetch the file; ``done(None)`` when it came whole, else ``done(failure)``. Returns the
    transfer, which ``cancel()`` stops."""
    parts, host, path = _split(url)
    scheme = parts.scheme.lower()
    if scheme == "tftp":
        return TftpRun(net, tftp.TftpClient(host, path, port=parts.port or 0, on_data=on_data), done, via)
    if scheme == "ftp":
        return ftp.FtpSession(net.tcp, host, done, passive=passive, via=via, **_ftp_login(parts)).fetch(path, on_data)
    return http.HttpGet(net.tcp, url, on_data, done, via=via)


def store(net: Net, url: str, data: bytes, done: Callable[[object], None], *, passive: bool = False,
          on_sent: Callable[[int], None] = lambda sent: None, via: str | None = None):
    """Write ``data`` to the file a tftp:// or ftp:// URL names; ``done(None)`` when the server
    has it whole, else ``done(failure)``."""
    parts, host, path = _split(url)
    if parts.scheme.lower() == "tftp":
        upload = tftp.TftpUpload(host, path, port=parts.port or 0, data=data, on_sent=on_sent)
        return TftpRun(net, upload, done, via)
    session = ftp.FtpSession(net.tcp, host, done, passive=passive, via=via, **_ftp_login(parts))
    return session.store(path, data, on_sent)


def _split(url: str) -> tuple[SplitResult, str, str]:
    """The URL's parts, its host and the path on the server."""
    parts = urlsplit(url)
    return parts, parts.hostname or "", unquote(parts.path.lstrip("/"))


def _ftp_login(parts: SplitResult) -> dict:
    """Port, user and password for an FTP server: the URL's, else 21 and an anonymous login."""
    return {"port": parts.port or 21, "user": unquote(parts.username or "anonymous"),
            "password": unquote(parts.password or "")}


def reason(failure) -> str:
    """What `%Error opening <url> (…)` says of a failed transfer."""
    if isinstance(failure, tftp.Outcome):
        if failure.server_code in _TFTP_ERRORS:
            return _TFTP_ERRORS[failure.server_code]
        return {tftp.FILE_NOT_FOUND: "No such file or directory", tftp.TIMEOUT: "Timed out",
                tftp.ABORTED: "Aborted"}.get(failure.code, f"TFTP error {failure.code}: {failure.message}")
    if isinstance(failure, ftp.FtpError):
        return {550: "No such file or directory", 553: "Permission denied"}.get(
            failure.code, f"{failure.code} {failure.text}")
    if isinstance(failure, http.HttpError):
        return "No such file or directory" if failure.status == 404 else f"{failure.status} {failure.reason}".strip()
    if isinstance(failure, TimeoutError):
        return "Timed out"
    if isinstance(failure, NoRoute):
        return "No route to host"
    if isinstance(failure, ssl.SSLError):
        return "SSL handshake failed"
    if isinstance(failure, OSError):          # the device says what the system call said, no more
        return os.strerror(failure.errno) if failure.errno else "Connection failed"
    return "Invalid argument"
