"""Microsoft Graph under ``/graph/v1.0``: GDAP relationships and access assignments, contracts, partner policies."""
