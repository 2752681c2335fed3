from provisioning.cli import run

run()
