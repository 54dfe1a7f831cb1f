"""Entra ID's token endpoint under ``/login``, with per-tenant consent."""
