"""`copy ftp://…` against vsftpd (passive and active, synchronous and asynchronous ABOR) and
`copy http[s]://…` / `configure http[s]://…` against local HTTP and HTTPS servers."""

from __future__ import annotations

import base64
import datetime
import hashlib
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers.servers import vsftpd
from helpers.gateway import gatewayed
from helpers.served import settle

from vpix.image import format as image_format


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("served")
    root.chmod(0o755)
    image_format.build(root / "pix722.bin", "7.2(2)", "pix", size_mb=1)
    image_format.build(root / "pix634.bin", "6.3(4)", "pix", size_mb=0.3)
    (root / "merge.cfg").write_text("hostname merged\nname 10.9.9.9 merged-host\nfrobnicate\n")
    for p in root.iterdir():
        p.chmod(0o644)
    return root


# ---------------------------------------------------------------- FTP


@pytest.mark.parametrize("passive", [True, False])
@pytest.mark.parametrize("async_abor", [True, False])
async def test_copy_ftp_from_vsftpd(pix7, files, tmp_path, passive, async_abor):
    unit, term = pix7
    gatewayed(unit, term)
    with vsftpd(files, tmp_path, async_abor) as port:
        if passive:
            term.configure("ftp mode passive")
        term.type(f"copy /noconfirm ftp://anonymous:x@10.0.0.254:{port}/pix722.bin flash:\n")
        await settle(unit, timeout=30)
        out = term.read()
    assert "bytes copied in" in out, out         # a stall on a synchronous ABOR would have timed out
    assert hashlib.md5(unit.flash.path("pix722.bin").read_bytes()).digest() == \
        hashlib.md5((files / "pix722.bin").read_bytes()).digest()


async def test_copy_ftp_missing_file_changes_nothing(pix7, files, tmp_path):
    unit, term = pix7
    gatewayed(unit, term)
    before = [(e.name, e.size) for e in unit.flash.entries()]
    with vsftpd(files, tmp_path) as port:
        term.type(f"copy /noconfirm ftp://10.0.0.254:{port}/missing.bin flash:\n")
        await settle(unit)
        assert f"%Error opening ftp://10.0.0.254:{port}/missing.bin (No such file or directory)" in term.read()
    assert [(e.name, e.size) for e in unit.flash.entries()] == before


# ---------------------------------------------------------------- HTTP(S)


class _Handler(BaseHTTPRequestHandler):
    root: Path
    credentials = base64.b64encode(b"admin:s3cret").decode()

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/private/") and \
                self.headers.get("Authorization") != f"Basic {self.credentials}":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="vpix"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = self.root / self.path.rsplit("/", 1)[-1]
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _self_signed(tmp: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return context


@pytest.fixture(params=["http", "https"])
def web(request, files, tmp_path):
    handler = type("Handler", (_Handler,), {"root": files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if request.param == "https":
        server.socket = _self_signed(tmp_path).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{request.param}://10.0.0.254:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_copy_http_image_with_basic_auth(pix7, web, files):
    unit, term = pix7
    gatewayed(unit, term)
    base = web.replace("://", "://admin:s3cret@")
    term.type(f"copy /noconfirm {base}/private/pix722.bin flash:\n")
    await settle(unit)
    assert "bytes copied in" in term.read()
    assert image_format.inspect(unit.flash.path("pix722.bin")).version.maint == 2
    term.type(f"copy /noconfirm {web}/private/pix722.bin flash:/x.bin\n")
    await settle(unit)
    assert "(401 Unauthorized)" in term.read() and not unit.flash.exists("x.bin")


async def test_6x_copy_http_image_installed_or_not(pix6, web):
    unit, term = pix6
    gatewayed(unit, term)
    term.type(f"copy {web}/pix634.bin flash:image\n")
    term.type("y\n")
    await settle(unit)
    assert term.read().rstrip().endswith("Image installed\npixfirewall#")
    term.type(f"copy {web}/nothere.bin flash:image\n")
    term.type("y\n")
    await settle(unit)
    assert "Image not installed" in term.read()
    assert [e.name for e in unit.flash.entries()] == ["image.bin"]


async def test_configure_http_merges(pix7, web):
    unit, term = pix7
    gatewayed(unit, term)
    term.type(f"configure {web}/merge.cfg\n")
    await settle(unit)
    out = term.read()
    assert "Invalid input" in out                      # the bad line answers, the rest applies
    assert unit.system.prompt_name() == "merged"
    assert "name 10.9.9.9 merged-host" in unit.system.running_config()


async def test_a_refused_connection_is_said_in_the_devices_words(pix7):
    unit, term = pix7
    gatewayed(unit, term)
    with socket.socket() as closed:                 # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    for command in (f"configure http://10.0.0.254:{port}/x.cfg", f"copy /noconfirm http://10.0.0.254:{port}/x.bin flash:",
                    f"copy /noconfirm ftp://10.0.0.254:{port}/x.bin flash:"):
        term.type(command + "\n")
        await settle(unit)
        out = term.read()
        assert "(Connection refused)" in out and "Errno" not in out and "Connect call" not in out, out
