"""A real OCI registry on loopback: Debian's `docker-registry` (CNCF distribution), started
on a free port with a temporary config and storage, optionally behind htpasswd auth."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

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

    def __init__(self, root: Path, *, users: dict[str, str] | None = None) -> None:
        assert REGISTRY_BINARY is not None
        root.mkdir(parents=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        auth = ""
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
