"""Google client modules imported on first use, so a command pays only for the APIs it reaches.

`google.cloud.aiplatform_v1` and `aiplatform_v1beta1` import every Vertex message and service when
loaded (about 2 s of CPU together); resourcemanager, billing and serviceusage about 0.3 s each. `provision
doctor` reaches Resource Manager first and Vertex later, `validate` never: with these stand-ins each package
loads when code first reads an attribute of it. Modules keep their real names for type checkers:

    if TYPE_CHECKING:
        from google.cloud import aiplatform_v1
    else:
        aiplatform_v1 = lazy_module("google.cloud.aiplatform_v1")

A command that knows it will reach a package later (apply with endpoints: Vertex after the project, billing
and API steps) calls `preload` first, so the import runs while those steps wait on the network.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module; imports it on the first attribute read. `importlib.import_module` holds the import
    lock, so threads that race on the first read get the same, fully imported module."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._module(), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)


def preload(*names: str) -> None:
    """Import `names` on a background thread. A later first read either finds the module loaded or waits on
    the import lock for the same import, so the module is never loaded twice."""
    thread = threading.Thread(target=_import_all, args=names, name="preload-imports", daemon=True)
    thread.start()


def _import_all(*names: str) -> None:
    for name in names:
        importlib.import_module(name)
