"""dapctl: the command line for what Pulumi cannot do alone (offline plans, invitations, audits, revocation)."""
