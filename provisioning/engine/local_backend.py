"""Local state: the JSON file `.provision/<project>.state.json` (or `--state PATH`), and its lock, an OS file
lock (fcntl.flock) on `PATH.lock` beside it, which also holds the holder's record for the waiting message.

Writes are atomic (temp file, fsync, rename), so a SIGKILL leaves either the old or the new document. The
file has no generations: the lock is what keeps two runs on one machine from interleaving.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any

from provisioning.engine.locking import Held, LockRecord
from provisioning.errors import BadInputError, ProvisionError


class LocalLock:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def refresh(self, record: LockRecord) -> bool:
        return True  # the kernel holds it as long as this process lives

    def release(self) -> None:
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class LocalBackend:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.location = str(self.path)

    def check(self) -> None:
        if self.path.is_dir():
            raise BadInputError(
                f"--state {self.path} is a directory",
                "a local state location is a file (gs://BUCKET/PREFIX is a prefix)",
                f"e.g. --state {self.path / 'env.state.json'}",
            )

    def read(self) -> tuple[dict[str, Any] | None, int | None]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError) as error:
            raise BadInputError(
                f"{self.path}: not a readable state file",
                str(error),
                "delete it (apply rebuilds state from what exists) or pass --state with another path",
            ) from None
        return data, None

    def write(self, data: dict[str, Any], generation: int | None) -> int | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        return None

    # -- lock -------------------------------------------------------------------------------------------
    def _open_lock_file(self) -> int:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_lock(self, record: LockRecord) -> LocalLock | Held:
        fd = self._open_lock_file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return Held(LockRecord.parse(self.lock_path.read_bytes()))
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.to_bytes(), 0)
        os.fsync(fd)
        return LocalLock(fd)

    def take_over(self, stale: Held, record: LockRecord) -> LocalLock | None:
        return None  # an OS lock is never stale

    def read_lock(self) -> Held | None:
        if not self.lock_path.exists():
            return None
        fd = os.open(self.lock_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Held(LockRecord.parse(self.lock_path.read_bytes()))
        finally:
            os.close(fd)  # closing drops the shared lock, if taken
        return None

    def break_lock(self, held: Held) -> None:
        who = held.describe()
        raise ProvisionError(
            f"{self.lock_path} is held by a live process: {who}",
            "a local lock is an OS file lock; it ends when its process ends and cannot be broken",
            f"stop that process (pid {held.record.pid if held.record else '?'}); its lock goes with it",
        )
