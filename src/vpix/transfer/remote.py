"""Files on servers, as URLs name them: fetching one (tftp://, ftp://, http[s]://), storing one
(tftp://, ftp://), and saying what went wrong in the device's words."""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any, Awaitable, Callable
from urllib.parse import SplitResult, unquote, urlsplit

from vpix.flash import FlashFull
from vpix.transfer import ftp, http, tftp
from vpix.transfer.tftp_io import download, upload

SCHEMES = ("tftp", "ftp", "http", "https")
WRITABLE = ("tftp", "ftp")
_FAILURES = (FlashFull, ftp.FtpError, http.HttpError, OSError, asyncio.TimeoutError)
# What the device says of the TFTP errors a server sends (RFC 1350 codes).
_TFTP_ERRORS = {1: "No such file or directory", 2: "Permission denied", 3: "No space left on device",
                6: "File exists"}


def is_remote(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme.lower() in SCHEMES


async def fetch(url: str, on_data: Callable[[bytes], None], *, passive: bool = False,
                tftp_client: tftp.TftpClient | None = None):
    """Fetch the file; None when it came whole, else what went wrong (an exception or a TFTP
    outcome). For TFTP ``on_data`` runs in a worker thread."""
    parts, host, path = _split(url)
    try:
        if parts.scheme.lower() == "tftp":
            outcome, _ = await download(host, path, on_data, port=parts.port or 0, client=tftp_client)
            return None if outcome.code is None else outcome
        if parts.scheme.lower() == "ftp":
            await ftp.fetch(host, path, on_data, passive=passive, **_ftp_login(parts))
        else:
            await http.fetch(url, on_data)
        return None
    except _FAILURES as err:
        return err


async def store(url: str, data: bytes, *, passive: bool = False,
                on_sent: Callable[[int], None] = lambda sent: None):
    """Write ``data`` to the file a tftp:// or ftp:// URL names; None when the server has it
    whole, else what went wrong. For TFTP ``on_sent`` runs in a worker thread."""
    parts, host, path = _split(url)
    try:
        if parts.scheme.lower() == "tftp":
            outcome = await upload(host, path, data, port=parts.port or 0, on_sent=on_sent)
            return None if outcome.code is None else outcome
        await ftp.store(host, path, data, passive=passive, on_sent=on_sent, **_ftp_login(parts))
        return None
    except _FAILURES as err:
        return err


def _split(url: str) -> tuple[SplitResult, str, str]:
    """The URL's parts, its host and the path on the server."""
    parts = urlsplit(url)
    return parts, parts.hostname or "", unquote(parts.path.lstrip("/"))


def _ftp_login(parts: SplitResult) -> dict:
    """Port, user and password for an FTP server: the URL's, else 21 and an anonymous login."""
    return {"port": parts.port or 21, "user": unquote(parts.username or "anonymous"),
            "password": unquote(parts.password or "")}


def run(transfer: Awaitable, done: Callable[[Any], None]) -> None:
    """Run a transfer on the event loop; ``done(result)`` when it ends (as a `Wait` starts one)."""
    asyncio.get_running_loop().create_task(transfer).add_done_callback(lambda task: done(task.result()))


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
    if isinstance(failure, (TimeoutError, asyncio.TimeoutError)):
        return "Timed out"
    if isinstance(failure, ssl.SSLError):
        return "SSL handshake failed"
    if isinstance(failure, OSError):          # the device says what the system call said, no more
        return os.strerror(failure.errno) if failure.errno else "Connection failed"
    return "Invalid argument"
