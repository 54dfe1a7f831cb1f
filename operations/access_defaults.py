"""Defaults of the access check that the command line shows in its help, kept apart so that reading them imports
nothing else (dapctl's start-up stays free of the operations and their HTTP clients)."""

#: Days a customer may stay "not granted yet" (relationship awaiting approval, access assignment pending) before
#: the access check reports it as a finding: two weeks is the usual window for a customer admin to approve.
DEFAULT_GRACE_DAYS = 14
