"""The partner's use cases as plain functions over the intent (``StackIntent``) and a ``Connection``: plan and apply
a revocation, offboard, drift, convergence, DAP and Global Administrator removal, the access check, invitations,
GDAP status, the fleet loader and audit. No typer, no rich, nothing written to the environment: dapctl, pipelines
and tests call them alike (``tests/test_layers.py`` checks it)."""
