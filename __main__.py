"""Pulumi entry point: validated config -> stack program. A config error stops before anything is declared."""

from stacks.program import main

main()
