"""HTTP/1.1 GET client, as the device's `copy http[s]://…` and `configure http[s]://…` use it:
basic authentication from the URL, default ports 80/443, Content-Length, chunked or
read-to-close bodies. The response head and chunk framing are parsed sans-IO."""

from __future__ import annotations

import asyncio
import base64
import ssl

from vpix.numbers import is_number
from typing import Callable
from urllib.parse import unquote, urlsplit

CHUNK = 1 << 16


class HttpError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def parse_head(head: bytes) -> tuple[int, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not is_number(parts[1]):
        raise HttpError(0, "malformed response")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers


def request(url: str) -> tuple[str, int, bool, bytes]:
    """(host, port, tls, request bytes) for a GET of ``url``."""
    parts = urlsplit(url)
    tls = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if tls else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}" + (f":{parts.port}" if parts.port else ""),
             "User-Agent: vpix", "Connection: close"]
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append("Authorization: Basic " + base64.b64encode(token).decode())
    return host, port, tls, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def fetch(url: str, on_data: Callable[[bytes], None], timeout: float = 10.0) -> int:
    host, port, tls, raw = request(url)
    context = None
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False        # the appliance does not check server certificates
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=context, server_hostname=host if tls else None), timeout)
    try:
        writer.write(raw)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status, reason, headers = parse_head(head[:-4])
        if status != 200:
            raise HttpError(status, reason)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return await _chunked(reader, on_data, timeout)
        length = int(headers["content-length"]) if "content-length" in headers else None
        total = 0
        while length is None or total < length:
            want = CHUNK if length is None else min(CHUNK, length - total)
            chunk = await asyncio.wait_for(reader.read(want), timeout)
            if not chunk:
                if length is not None:
                    raise HttpError(0, "connection closed before the end of the file")
                break
            total += len(chunk)
            on_data(chunk)
        return total
    except asyncio.IncompleteReadError:
        raise HttpError(0, "connection closed before the end of the response") from None
    finally:
        writer.close()


async def _chunked(reader, on_data, timeout: float) -> int:
    total = 0
    while True:
        size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)
            return total
        chunk = await asyncio.wait_for(reader.readexactly(size + 2), timeout)
        total += size
        on_data(chunk[:-2])
