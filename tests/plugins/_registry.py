"""A real OCI registry on loopback: Debian's `docker-registry` (CNCF distribution), started
on a free port with a temporary config and storage, optionally behind htpasswd auth."""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

REGISTRY_BINARY = shutil.which("docker-registry") or shutil.which("registry")
HTPASSWD = shutil.which("htpasswd")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Registry:
    """One `docker-registry serve` process; `host` is `127.0.0.1:PORT`."""

    def __init__(
        self, root: Path, *, users: dict[str, str] | None = None, token: TokenServer | None = None
    ) -> None:
        """Open, or behind htpasswd `users` (Basic), or behind `token`'s bearer tokens."""
        assert REGISTRY_BINARY is not None
        root.mkdir(parents=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        auth = token.registry_config(root) if token is not None else ""
        if users:
            assert HTPASSWD is not None
            htpasswd = root / "htpasswd"
            for i, (user, password) in enumerate(users.items()):
                flags = "-Bbc" if i == 0 else "-Bb"
                subprocess.run([HTPASSWD, flags, str(htpasswd), user, password], check=True,
                               capture_output=True)  # fmt: skip
            auth = f"auth:\n  htpasswd:\n    realm: witkit-test\n    path: {htpasswd}\n"
        config = root / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n" + auth,
            encoding="utf-8",
        )
        self.log = open(root / "registry.log", "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                status = httpx.get(f"http://{self.host}/v2/", timeout=2).status_code
                if status in (200, 401):
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(
                    f"docker-registry did not start: {(root / 'registry.log').read_text()}"
                )
            time.sleep(0.05)

    def close(self) -> None:
        """Stop the registry process."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenServer:
    """A distribution-spec token endpoint on loopback: Basic login in, an ES256 JWT out, signed
    by a self-signed certificate the registry trusts (`rootcertbundle`)."""

    SERVICE = "witkit-test-registry"
    ISSUER = "witkit-test-issuer"

    def __init__(self, users: dict[str, str]) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "witkit test token issuer")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )  # fmt: skip
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.issued: list[str] = []
        server = self

        def sign(claims: dict[str, object]) -> str:
            header = {"typ": "JWT", "alg": "ES256", "x5c": [x5c]}
            head = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
            r, s = decode_dss_signature(key.sign(head.encode(), ec.ECDSA(hashes.SHA256())))
            return head + "." + _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                login = self.headers.get("Authorization", "")
                user = None
                if login.startswith("Basic "):
                    name, _, password = base64.b64decode(login[6:]).decode().partition(":")
                    if users.get(name) == password:
                        user = name
                if user is None:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                access = []
                for scope in query.get("scope", []):
                    kind, repo, actions = scope.split(":")
                    access.append({"type": kind, "name": repo, "actions": actions.split(",")})
                stamp = int(time.time())
                token = sign({
                    "iss": TokenServer.ISSUER, "sub": user, "aud": TokenServer.SERVICE,
                    "exp": stamp + 600, "nbf": stamp - 60, "iat": stamp,
                    "jti": secrets.token_hex(8), "access": access,
                })  # fmt: skip
                server.issued.append(",".join(query.get("scope", [])))
                body = json.dumps({"token": token}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def registry_config(self, root: Path) -> str:
        """The registry's `auth:` section trusting this server's tokens."""
        bundle = root / "token-issuer.pem"
        bundle.write_bytes(self.cert_pem)
        return (
            f"auth:\n  token:\n    realm: {self.realm}\n    service: {self.SERVICE}\n"
            f"    issuer: {self.ISSUER}\n    rootcertbundle: {bundle}\n"
        )

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
