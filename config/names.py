"""Names and limits that the config's schema (config/schema.py) and its rules (config/rules.py) both use."""

from __future__ import annotations

ADMIN_AGENTS = "adminAgents"
"""The group key of AdminAgents, the group Partner Center creates in every partner tenant."""
HELPDESK_AGENTS = "helpdeskAgents"
"""The group key of HelpdeskAgents, Partner Center's other agent group."""
GDAP_DISPLAY_NAME_MAX = 50
"""Graph's limit on a GDAP relationship's displayName."""
