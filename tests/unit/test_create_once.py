"""`retry.create_once`, the exactly-once rule every create goes through: after a failed attempt it reads back
before sending again, and ALREADY_EXISTS means the resource exists."""

from __future__ import annotations

import httpx
import pytest

from provisioning.errors import GoogleApiError
from provisioning.gcp.retry import RetryPolicy, create_once

FAST = RetryPolicy(initial_s=0.0, maximum_s=0.0, total_s=5.0)


class Server:
    """A create whose first `lost` replies are lost after the resource was made."""

    def __init__(self, lost: int = 0, applied: bool = True) -> None:
        self.lost, self.applied, self.sent, self.made = lost, applied, 0, 0

    def send(self) -> str:
        self.sent += 1
        if self.applied or self.sent > self.lost:
            self.made += 1
        if self.sent <= self.lost:
            raise httpx.ReadError("Connection reset by peer")
        return "created"

    def exists(self) -> bool:
        return self.made > 0


def test_a_create_whose_reply_is_lost_is_read_back_not_sent_again() -> None:
    server = Server(lost=1)
    assert create_once(server.send, server.exists, "create x", policy=FAST, sleep=lambda _: None) is None
    assert (server.sent, server.made) == (1, 1)


def test_a_create_that_did_not_take_effect_is_sent_again() -> None:
    server = Server(lost=2, applied=False)
    assert create_once(server.send, server.exists, "create x", policy=FAST, sleep=lambda _: None) == "created"
    assert (server.sent, server.made) == (3, 1)


def test_a_create_that_succeeds_at_once_reads_nothing() -> None:
    server = Server()
    reads: list[int] = []

    def exists() -> bool:
        reads.append(1)
        return False

    assert create_once(server.send, exists, "create x", policy=FAST) == "created"
    assert reads == [] and server.made == 1


def _already_exists() -> str:
    raise GoogleApiError("create x", "ALREADY_EXISTS", status_code=409, status="ALREADY_EXISTS")


def test_already_exists_means_it_exists_and_other_errors_are_raised() -> None:
    assert create_once(_already_exists, lambda: False, "create x", policy=FAST) is None

    def denied() -> str:
        raise GoogleApiError("create x", "PERMISSION_DENIED", status_code=403, status="PERMISSION_DENIED")

    with pytest.raises(GoogleApiError, match="PERMISSION_DENIED"):
        create_once(denied, lambda: False, "create x", policy=FAST)
