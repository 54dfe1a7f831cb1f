"""One module per dapctl command (or command group): parse the options, call an operation, render, exit.
cli.py registers them; none of them imports it."""
