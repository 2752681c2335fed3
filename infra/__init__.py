"""The Pulumi program: one ComponentResource per concern, built from the environment spec."""
