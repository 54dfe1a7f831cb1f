"""Pulumi ComponentResources, one concern each. Type tokens: csp-delegation:<module>:<Type>."""
