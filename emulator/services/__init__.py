"""Emulated Google APIs: one package per API, each with `models.py` (state and rules) and `responses.py`
(routes and wire shapes); the package `__init__` exposes `register(routes)` (see `emulator/app.py`)."""
