"""Partner Center under ``/partnercenter/v1``: customers, legacy DAP, reseller invitations, Autopilot."""
