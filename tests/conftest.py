"""Shared fixtures. Unit tests need no server; e2e tests start the emulator on a free loopback port."""
