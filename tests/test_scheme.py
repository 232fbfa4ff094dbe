"""crawler.scheme: an address with no scheme answers https (a TLS handshake) or http (a TCP
connection), else a one-line refusal with an example (issue 18)."""
from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest

from crawler.scheme import SchemeError, choose_scheme


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def serve(tls: ssl.SSLContext | None) -> tuple[socket.socket, int]:
    """A listener on a free loopback port that completes TLS handshakes (or only accepts)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)

    def loop() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                if tls is not None:
                    with tls.wrap_socket(conn, server_side=True):
                        pass
                else:
                    conn.recv(1024)  # a plain server reads the ClientHello as junk and hangs up
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    threading.Thread(target=loop, daemon=True).start()
    return sock, sock.getsockname()[1]


def test_https_when_the_port_speaks_tls(tmp_path: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    sock, port = serve(context)
    try:
        assert choose_scheme(f"127.0.0.1:{port}") == f"https://127.0.0.1:{port}"
        assert choose_scheme(f" 127.0.0.1:{port}/news/ ") == f"https://127.0.0.1:{port}/news/"
    finally:
        sock.close()


def test_http_when_the_port_speaks_no_tls() -> None:
    sock, port = serve(None)
    try:
        assert choose_scheme(f"127.0.0.1:{port}") == f"http://127.0.0.1:{port}"
    finally:
        sock.close()


def test_neither_is_one_line_with_an_example() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SchemeError) as caught:
        choose_scheme(f"127.0.0.1:{port}")
    assert str(caught.value) == (
        f"127.0.0.1:{port} answers neither https (connection refused) nor http (connection refused); check the "
        f"address, and give its scheme, e.g. --base-url http://127.0.0.1:{port} or --base-url https://127.0.0.1:{port}")
    with pytest.raises(SchemeError, match="not a usable address"):
        choose_scheme("127.0.0.1:99999")
