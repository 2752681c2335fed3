"""The bodies of `provision`'s commands, one module per workflow stage; provisioning/cli.py registers them.

Each command imports its heavy modules (pydantic, the catalog, Google clients) inside its body, so that
`provision --version` and `provision validate` load none they do not use."""
