"""Fetching a file a URL names (tftp://, ftp://, http[s]://), whichever protocol it takes,
and saying what went wrong in the device's words."""

from __future__ import annotations

import asyncio
from typing import Callable
from urllib.parse import unquote, urlsplit

from vpix.flash import FlashFull
from vpix.transfer import ftp, http, tftp
from vpix.transfer.tftp_io import download

SCHEMES = ("tftp", "ftp", "http", "https")


def is_remote(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme.lower() in SCHEMES


async def fetch(url: str, on_data: Callable[[bytes], None], *, passive: bool = False,
                tftp_client: tftp.TftpClient | None = None):
    """Fetch the file; None when it came whole, else what went wrong (an exception or a TFTP
    outcome). For TFTP ``on_data`` runs in a worker thread."""
    parts = urlsplit(url)
    scheme, host, path = parts.scheme.lower(), parts.hostname or "", unquote(parts.path.lstrip("/"))
    try:
        if scheme == "tftp":
            outcome, _ = await download(host, path, on_data, port=parts.port or 0, client=tftp_client)
            return None if outcome.code is None else outcome
        if scheme == "ftp":
            await ftp.fetch(host, path, on_data, port=parts.port or 21, user=unquote(parts.username or "anonymous"),
                            password=unquote(parts.password or ""), passive=passive)
        else:
            await http.fetch(url, on_data)
        return None
    except (FlashFull, ftp.FtpError, http.HttpError, OSError, asyncio.TimeoutError) as err:
        return err


def reason(failure) -> str:
    """What `%Error opening <url> (…)` says of a failed fetch."""
    if isinstance(failure, tftp.Outcome):
        return {tftp.FILE_NOT_FOUND: "No such file or directory", tftp.TIMEOUT: "Timed out",
                tftp.ABORTED: "Aborted"}.get(failure.code, f"TFTP error {failure.code}: {failure.message}")
    if isinstance(failure, ftp.FtpError):
        return "No such file or directory" if failure.code == 550 else f"{failure.code} {failure.text}"
    if isinstance(failure, http.HttpError):
        return "No such file or directory" if failure.status == 404 else f"{failure.status} {failure.reason}".strip()
    return str(failure) or type(failure).__name__
