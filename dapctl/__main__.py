"""`python -m dapctl ...` is the same as the `dapctl` command."""

from dapctl.cli import main

main()
