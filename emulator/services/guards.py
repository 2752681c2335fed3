"""The checks one emulated API calls on the others before acting (plain functions over `EmulatorState`;
they live with the services they read, below the ones that call them):

    from emulator.services import guards
    project = guards.require_project(state, "acme-dev")          # by id or number; 403 CONSUMER_INVALID
    guards.find_project(state, "123")                            # or None
    guards.project_number(project)                               # "100000000001"
    guards.require_service_enabled(state, "acme-dev", "aiplatform.googleapis.com")   # 403 SERVICE_DISABLED
    guards.require_billing_enabled(state, "acme-dev", "aiplatform.googleapis.com")   # 403 BILLING_DISABLED
    guards.allocate(state, "acme-dev", "us-central1",
                    "aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus", 2)  # 429 when over limit
    guards.release(state, "acme-dev", "us-central1", "...metric...", 2)

Each returns the project document (wire fields; `name` is "projects/<number>") or raises `ApiError`.
"""

from emulator.services.billing.models import require_billing_enabled
from emulator.services.quotas.models import allocate, release
from emulator.services.resourcemanager.models import find_project, project_number, require_project
from emulator.services.serviceusage.models import require_service_enabled

__all__ = [
    "allocate",
    "find_project",
    "project_number",
    "release",
    "require_billing_enabled",
    "require_project",
    "require_service_enabled",
]
