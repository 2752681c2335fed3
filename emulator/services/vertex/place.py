"""What every Vertex provider shares: where a request acts (`Place`: project ID and number, location, API
version), the guard that resolves it from the path, resource ids, the operations Vertex starts, and the
registration of one route under both API versions (v1 and v1beta1, regional-host form of the paths)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.operations import timestamp
from emulator.routing import ApiRequest, Handler, RouteTable
from emulator.services.vertex import access

if TYPE_CHECKING:
    from emulator.state import EmulatorState

TYPE_PREFIX = "google.cloud.aiplatform"
VERSIONS = ("v1", "v1beta1")
LOCATION = "/projects/{project}/locations/{location}"


@dataclass(frozen=True)
class Place:
    """Where a request acts: the project (ID and number), the location and the API version of the path."""

    project_id: str
    project_number: str
    location: str
    version: str  # "v1" or "v1beta1": names the @type of replies

    @property
    def parent(self) -> str:
        return f"projects/{self.project_number}/locations/{self.location}"

    def type_name(self, message: str) -> str:
        return f"{TYPE_PREFIX}.{self.version}.{message}"

    def key(self, resource_id: str) -> str:
        return f"{self.project_number}/{self.location}/{resource_id}"

    def args(self) -> dict[str, str]:
        """The place as an operation's args carry it (a stored operation finishes after a restart too)."""
        return {"id": self.project_id, "number": self.project_number, "location": self.location}

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> Place:
        place = args["place"]
        return cls(place["id"], place["number"], place["location"], args["version"])


def place_of(request: ApiRequest, *, billing: bool = False) -> Place:
    """The path's project (ID or number) past the Vertex guards: service enabled, billing for deploys."""
    project_id, number = access.vertex_project(request.state, request.params["project"], billing=billing)
    version = request.path.split("/", 2)[1]
    return Place(project_id, number, request.params.get("location", ""), version)


def new_id() -> str:
    """A numeric resource ID as Vertex makes them (19 digits)."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def now(state: EmulatorState) -> str:
    return timestamp(state.now())


def start_operation(
    state: EmulatorState,
    place: Place,
    scope: str,
    *,
    kind: str,
    finish: str,
    args: dict[str, Any],
    response: str,
    metadata: str,
    extra_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start an operation named `{scope}/operations/{id}` (scope: an endpoint, a model or the location);
    `response` and `metadata` are message names of this API version (or a full name such as
    google.protobuf.Empty); the operation's args carry the place (`Place.from_args`)."""
    stamp = now(state)
    return state.operations.start(
        name=f"{scope}/operations/{new_id()}",
        kind=kind,
        finisher=finish,
        args={**args, "place": place.args(), "version": place.version},
        response_type=place.type_name(response) if "." not in response else response,
        metadata_type=place.type_name(metadata),
        metadata={"genericMetadata": {"createTime": stamp, "updateTime": stamp}, **(extra_metadata or {})},
    )


def add_route(
    routes: RouteTable, method: str, path: str, handler: Handler, schema: str | None = None
) -> None:
    """`method /{version}{path}` for v1 and v1beta1; `schema` names the body's message without the version
    prefix ("Endpoint" → aiplatform.v1#GoogleCloudAiplatformV1Endpoint)."""
    for version in VERSIONS:
        prefix = "GoogleCloudAiplatform" + version.capitalize()
        body_schema = f"aiplatform.{version}#{prefix}{schema}" if schema else None
        routes.add(method, f"/{version}{path}", handler, body_schema=body_schema)


def operation_under_way(state: EmulatorState, name: str | None) -> dict[str, Any] | None:
    """The operation `name` while it still runs (None when there is none or it is done): a delete repeated
    meanwhile gets it back instead of starting a second one."""
    operation = state.operations.get(name) if name else None
    return operation if operation is not None and not operation["done"] else None
