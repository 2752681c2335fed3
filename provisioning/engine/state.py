"""The small JSON state file that makes apply resumable: progress and operation names, saved as they happen.

Writes are atomic (temp file, fsync, rename), so a SIGKILL leaves either the old or the new document.
Nothing secret is ever stored here.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from provisioning.errors import BadInputError
from provisioning.gcp.operations import OperationRef

STATE_VERSION = 1
DEFAULT_DIR = ".provision"


def default_state_path(project_id: str) -> Path:
    return Path(DEFAULT_DIR) / f"{project_id}.state.json"


class StateFile:
    def __init__(self, path: str | os.PathLike[str], project_id: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.data: dict[str, Any] = self._load(project_id)

    def _load(self, project_id: str) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": STATE_VERSION, "project": project_id, "operations": {}}
        except (OSError, ValueError) as error:
            raise BadInputError(
                f"{self.path}: not a readable state file",
                str(error),
                "delete it (apply rebuilds state from what exists) or pass --state with another path",
            ) from None
        if not isinstance(data, dict) or data.get("project") != project_id:
            owner = data.get("project") if isinstance(data, dict) else "?"
            raise BadInputError(
                f"{self.path}: state belongs to project {owner}",
                f"the spec's project is {project_id}",
                "pass --state with this environment's own state file",
            )
        data.setdefault("operations", {})
        return data

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self.data[key] = value
            self._write()

    def put(self, section: str, name: str, value: Any) -> None:
        """Set `data[section][name]` (a record per endpoint, model, ...) and save; None removes it."""
        with self._lock:
            entries = self.data.setdefault(section, {})
            if value is None:
                entries.pop(name, None)
            else:
                entries[name] = value
            self._write()

    def operation(self, key: str) -> OperationRef | None:
        with self._lock:
            saved = self.data["operations"].get(key)
        return OperationRef.from_json(saved) if saved else None

    def save_operation(self, key: str, ref: OperationRef | None) -> None:
        with self._lock:
            if ref is None:
                self.data["operations"].pop(key, None)
            else:
                self.data["operations"][key] = ref.to_json()
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
