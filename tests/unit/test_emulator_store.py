"""The store's derived values (what hot read paths cache) never outlive a change to their collection."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.store import Store

builds: list[str] = []


def names(documents: list[dict[str, Any]]) -> tuple[str, ...]:
    builds.append("built")
    return tuple(document["name"] for document in documents)


@pytest.fixture
def store() -> Store:
    builds.clear()
    store = Store()
    store.put("models", "a", {"name": "a"})
    return store


def test_derived_value_is_built_once_while_the_collection_is_unchanged(store: Store) -> None:
    assert store.derived("models", names) == ("a",)
    assert store.derived("models", names) == ("a",)
    store.put("other", "x", {"name": "x"})
    assert store.derived("models", names) == ("a",)
    assert len(builds) == 1


def test_put_delete_and_clear_rebuild_the_derived_value(store: Store) -> None:
    assert store.derived("models", names) == ("a",)
    store.put("models", "b", {"name": "b"})
    assert store.derived("models", names) == ("a", "b")
    store.delete("models", "a")
    assert store.derived("models", names) == ("b",)
    store.clear()
    assert store.derived("models", names) == ()


def test_a_rolled_back_write_leaves_no_derived_value_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put("models", "b", {"name": "b"})
        assert store.derived("models", names) == ("a", "b")  # seen inside the transaction
        raise RuntimeError("abort")
    assert store.get("models", "b") is None
    assert store.derived("models", names) == ("a",)
