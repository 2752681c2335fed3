"""The Pulumi program: one ComponentResource per concern, built from the same environment spec as the CLI.

`pulumi up` runs `infra/__main__.py`; `infra.graph.resource_graph(spec)` runs the same program under Pulumi's
mocks (offline) and returns what `pulumi up` would register.
"""
