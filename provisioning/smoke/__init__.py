"""`provision smoke`: prove the provisioned models answer through the OpenAI-compatible Chat Completions API
the way an application calls them (openai SDK, self-refreshing Google token), and measure how fast."""

from provisioning.smoke.checks import CHECKS, SmokeOptions
from provisioning.smoke.report import SmokeReport, json_lines, print_table, write_json, write_junit
from provisioning.smoke.runner import SmokeRun, run_smoke
from provisioning.smoke.targets import SmokeTarget, target_from_flags, targets_from_outputs

__all__ = [
    "CHECKS",
    "SmokeOptions",
    "SmokeReport",
    "SmokeRun",
    "SmokeTarget",
    "json_lines",
    "print_table",
    "run_smoke",
    "target_from_flags",
    "targets_from_outputs",
    "write_json",
    "write_junit",
]
