"""Emulated Google APIs: one package per API, each with `models.py` (state and rules) and `responses.py`
(routes and wire shapes), or, for Vertex AI, one provider module per Google service over a shared store; the
package `__init__` exposes `register(routes)` (see `emulator/app.py`). `guards.py`: the cross-API checks."""
