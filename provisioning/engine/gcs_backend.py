"""Shared state in Cloud Storage (`--state gs://BUCKET/PREFIX`), through the official google-cloud-storage
client: `PREFIX/<project>.state.json` and the environment's lock `PREFIX/<project>.lock`.

Every write is conditioned on the generation it was based on (ifGenerationMatch; 0 = "must not exist"), so
a write from a stale read is refused with 412 instead of overwriting someone else's; the state retries it
on a fresh read (provisioning/engine/state.py). Tests and the demo reach a Cloud Storage fake through
STORAGE_EMULATOR_HOST, the client's own convention (PROVISION_API_ENDPOINT is not used for storage).

Permissions: roles/storage.objectUser on the bucket (objects get, list, create, delete).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from provisioning.engine.backend import StaleWrite
from provisioning.engine.locking import DEFAULT_TTL_S, Held, LockRecord, parse_iso
from provisioning.errors import BadInputError, ProvisionError
from provisioning.state_url import GcsLocation, parse_gcs

if TYPE_CHECKING:
    from google.cloud.storage import Blob, Bucket

STATE_SUFFIX = "state.json"
LOCK_SUFFIX = "lock"
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


def translate(error: Exception, what: str, bucket: str) -> ProvisionError:
    """A storage client error as what / why / fix; a missing bucket is bad input (exit 2)."""
    from google.api_core import exceptions

    why = getattr(error, "message", "") or str(error)
    if isinstance(error, exceptions.NotFound):
        return BadInputError(
            f"{what}: bucket gs://{bucket} does not exist",
            f"Cloud Storage answered 404: {why}",
            f"create it (`gcloud storage buckets create gs://{bucket} --uniform-bucket-level-access`) "
            "or fix the bucket in --state / the spec's state:",
        )
    if isinstance(error, exceptions.Forbidden | exceptions.Unauthorized):
        status = "401" if isinstance(error, exceptions.Unauthorized) else "403"
        return ProvisionError(
            f"{what}: no permission on gs://{bucket}",
            f"Cloud Storage answered {status}: {why}",
            f"grant the caller roles/storage.objectUser on the bucket (`gcloud storage buckets "
            f"add-iam-policy-binding gs://{bucket} --member=user:YOU --role=roles/storage.objectUser`), "
            "or check the credentials (`gcloud auth application-default login`)",
        )
    if isinstance(error, exceptions.GoogleAPICallError):
        return ProvisionError(f"{what} failed", f"Cloud Storage answered {error.code}: {why}", "run again")
    host = os.environ.get(EMULATOR_ENV) or "storage.googleapis.com"
    return ProvisionError(
        f"{what}: cannot reach Cloud Storage at {host}",
        f"{type(error).__name__}: {why}",
        f"check the network (or {EMULATOR_ENV}, when it points at a fake) and run again",
    )


class GcsLock:
    def __init__(self, blob: Blob, generation: int, token: str) -> None:
        self.blob, self.generation, self.token = blob, generation, token

    def refresh(self, record: LockRecord) -> bool:
        from google.api_core import exceptions

        try:
            self.blob.upload_from_string(
                record.to_bytes(), content_type="application/json", if_generation_match=self.generation
            )
        except (exceptions.PreconditionFailed, exceptions.NotFound):
            return False
        except Exception:  # a blip: the next beat tries again, well before the expiry
            return True
        self.generation = int(self.blob.generation or 0)
        return True

    def release(self) -> None:
        """Delete the lock only if it is still ours (same generation): never someone else's."""
        from google.api_core import exceptions

        try:
            current = self.blob.bucket.get_blob(self.blob.name)
            if current is not None and current.generation == self.generation:
                self.blob.delete(if_generation_match=self.generation)
        except exceptions.GoogleAPICallError:
            pass  # not ours any more, or unreachable: it expires on its own


class GcsBackend:
    def __init__(self, url: str, project_id: str, credentials: Any = None) -> None:
        self.where: GcsLocation = parse_gcs(url)
        self.project_id = project_id
        self.location = self.where.url(project_id, STATE_SUFFIX)
        self.lock_location = self.where.url(project_id, LOCK_SUFFIX)
        from google.cloud import storage

        # With STORAGE_EMULATOR_HOST set, the client talks to that host with anonymous credentials.
        client = storage.Client(
            project="<none>", credentials=None if os.environ.get(EMULATOR_ENV) else credentials
        )
        self.bucket: Bucket = client.bucket(self.where.bucket)
        self._state = self.bucket.blob(self.where.object_name(project_id, STATE_SUFFIX))
        self._lock = self.bucket.blob(self.where.object_name(project_id, LOCK_SUFFIX))

    def _fail(self, error: Exception, what: str) -> ProvisionError:
        return translate(error, what, self.where.bucket)

    def check(self) -> None:
        """One read that tells a missing bucket (404) or a missing permission (403) before any change."""
        try:
            next(iter(self.bucket.list_blobs(prefix=self._state.name, max_results=1)), None)
        except Exception as error:
            raise self._fail(error, f"read state {self.location}") from None

    def read(self) -> tuple[dict[str, Any] | None, int | None]:
        from google.api_core import exceptions

        blob = self.bucket.blob(self._state.name)
        try:
            raw = blob.download_as_bytes()
        except exceptions.NotFound:
            self.check()  # the bucket itself may be missing
            return None, 0
        except Exception as error:
            raise self._fail(error, f"read state {self.location}") from None
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise ProvisionError(
                f"{self.location}: not a readable state document",
                str(error),
                f"look at it (`gcloud storage cat {self.location}`); deleting it makes apply rebuild state "
                "from what exists",
            ) from None
        return data, int(blob.generation or 0)

    def write(self, data: dict[str, Any], generation: int | None) -> int | None:
        from google.api_core import exceptions

        body = json.dumps(data, indent=2, sort_keys=True) + "\n"
        blob = self.bucket.blob(self._state.name)
        try:
            blob.upload_from_string(
                body, content_type="application/json", if_generation_match=generation or 0
            )
        except exceptions.PreconditionFailed:
            raise StaleWrite from None
        except Exception as error:
            raise self._fail(error, f"write state {self.location}") from None
        return int(blob.generation or 0)

    # -- lock -------------------------------------------------------------------------------------------
    def _create_lock(self, record: LockRecord, generation: int) -> GcsLock | None:
        """Write the lock conditioned on `generation` (0: it must not exist); None when someone else's is
        there (or ours from a retried write, which the token tells)."""
        from google.api_core import exceptions

        blob = self.bucket.blob(self._lock.name)
        try:
            blob.upload_from_string(
                record.to_bytes(), content_type="application/json", if_generation_match=generation
            )
        except exceptions.PreconditionFailed:
            held = self.read_lock()
            if held is not None and held.record is not None and held.record.token == record.token:
                return GcsLock(blob, held.generation or 0, record.token)
            return None
        except Exception as error:
            raise self._fail(error, f"lock {self.lock_location}") from None
        return GcsLock(blob, int(blob.generation or 0), record.token)

    def try_lock(self, record: LockRecord) -> GcsLock | Held | None:
        return self._create_lock(record, 0) or self.read_lock()

    def take_over(self, stale: Held, record: LockRecord) -> GcsLock | None:
        """Replace the stale lock by ours in one write conditioned on its generation: if another run took it
        over first, the generation moved on and this write is refused (412)."""
        return self._create_lock(record, stale.generation or 0) if stale.generation else None

    def read_lock(self) -> Held | None:
        from google.api_core import exceptions

        blob = self.bucket.blob(self._lock.name)
        try:
            raw = blob.download_as_bytes()
        except exceptions.NotFound:
            return None
        except Exception as error:
            raise self._fail(error, f"read lock {self.lock_location}") from None
        record = LockRecord.parse(raw)
        stale_at = parse_iso(record.expires_at) if record else None
        if stale_at is None:  # unreadable: judge by when it was written
            written = blob.updated or datetime.now(UTC)
            stale_at = written + timedelta(seconds=DEFAULT_TTL_S)
        return Held(record, int(blob.generation or 0), stale_at)

    def break_lock(self, held: Held) -> None:
        """`provision unlock`: delete the lock that was shown (its generation), not one taken since."""
        from google.api_core import exceptions

        try:
            self.bucket.blob(self._lock.name).delete(if_generation_match=held.generation)
        except exceptions.NotFound:
            return
        except exceptions.PreconditionFailed:
            raise ProvisionError(
                f"{self.lock_location} changed while you confirmed",
                "another run took or refreshed the lock",
                "run `provision unlock` again to see the current holder",
            ) from None
        except Exception as error:
            raise self._fail(error, f"unlock {self.lock_location}") from None
