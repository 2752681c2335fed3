"""Specs that load but would mislead: duplicate keys, YAML 1.1 booleans, names that collide with Google's
routes, pool ids Google refuses, and --spec paths that are not regular files. Each is refused with what, why
and fix."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import yaml

from provisioning.errors import SpecError
from provisioning.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
DEV_TEXT = (REPO / "examples" / "dev.yaml").read_text(encoding="utf-8")


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_second_project_block_is_refused_with_both_lines(tmp_path: Path) -> None:
    first = DEV_TEXT.splitlines().index("project:") + 1
    text = DEV_TEXT + "project:\n  id: someone-elses-project\n  billing_account: 012345-6789AB-CDEF01\n"
    second = len(DEV_TEXT.splitlines()) + 1

    with pytest.raises(SpecError) as refused:
        load_spec(_spec(tmp_path, text))

    message = refused.value.render()
    assert "'project'" in refused.value.what and "twice" in refused.value.what
    assert f"lines {first} and {second}" in refused.value.what
    assert "fix:" in message


def test_a_repeated_nested_key_is_refused(tmp_path: Path) -> None:
    text = DEV_TEXT.replace("    max_replicas: 2\n", "    max_replicas: 2\n    max_replicas: 20\n")
    line = text.splitlines().index("    max_replicas: 2") + 1

    with pytest.raises(SpecError) as refused:
        load_spec(_spec(tmp_path, text))

    assert "'max_replicas'" in refused.value.what and f"lines {line} and {line + 1}" in refused.value.what


def test_owner_no_hints_to_quote_it(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(_spec(tmp_path, DEV_TEXT.replace("owner: platform-team", "owner: no")))
    assert "owner" in refused.value.why and "quote" in refused.value.why
    assert 'owner: "no"' in refused.value.why


def test_an_endpoint_named_openapi_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(_spec(tmp_path, DEV_TEXT.replace("- name: llama-8b-vllm", "- name: openapi")))
    assert "endpoints[0].name" in refused.value.why and "openapi" in refused.value.why


@pytest.mark.parametrize("pool_id", ["ci", "p" * 33, "gcp-pool"])
def test_a_workload_identity_pool_id_google_refuses_is_refused(tmp_path: Path, pool_id: str) -> None:
    data = yaml.safe_load(DEV_TEXT)
    data["caller"]["workload_identity"] = {"github_repository": "acme/app", "pool_id": pool_id}
    with pytest.raises(SpecError) as refused:
        load_spec(_spec(tmp_path, yaml.safe_dump(data)))
    assert "pool_id" in refused.value.why and "4-32" in refused.value.why


def test_a_directory_as_spec_says_it_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(tmp_path)
    assert "is a directory" in refused.value.what


def test_a_fifo_as_spec_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as refused:
        load_spec(fifo)  # reading a FIFO would block: the refusal must come first
    assert "not a regular file" in refused.value.what and "FIFO" in refused.value.what


def test_a_socket_as_spec_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(SpecError) as refused:
            load_spec(path)
    assert "not a regular file" in refused.value.what


def test_a_symlink_loop_as_spec_says_so(tmp_path: Path) -> None:
    loop = tmp_path / "spec.yaml"
    loop.symlink_to(tmp_path / "other.yaml")
    (tmp_path / "other.yaml").symlink_to(loop)
    with pytest.raises(SpecError) as refused:
        load_spec(loop)
    assert "symbolic link" in refused.value.what and "no such" not in refused.value.what


def test_a_missing_spec_still_says_no_such_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(tmp_path / "absent.yaml")
    assert "no such spec file" in refused.value.what
