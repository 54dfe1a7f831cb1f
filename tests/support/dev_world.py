"""Ids of the sample dev stack's world (Pulumi.dev.yaml and emulator/worlds/scenarios/dev.yaml) that several tests
name."""

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
#: Graph's collection of the partner's GDAP relationships, as the emulator's request log shows it.
RELATIONSHIPS_PATH = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
