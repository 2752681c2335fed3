"""What a spec wants, concern by concern, in Google's own REST field names (camelCase JSON as the API
takes it).

Pure: no I/O; imports the spec, the catalog and the pure choosers beside them (recommend, serving, identity).
`provision apply` sends these bodies (provisioning/engine/), `provision plan` describes them, and the Pulumi
components (infra/) map them onto pulumi-gcp's arguments, so the two engines cannot drift apart on a value;
tests/e2e/test_engine_parity.py holds them to it.
"""
