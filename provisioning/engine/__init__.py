"""`provision apply / destroy / reap`: a DAG of idempotent steps over the gcp layer, with a resumable state.

Library entry points (what onboarding scripts import): `apply.apply_spec`, `destroy.destroy_spec`,
`reap.reap`, `fleet.apply_fleet`.
"""
