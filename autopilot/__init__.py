"""Windows Autopilot on behalf of customers: the delegation rules, device CSVs, and the operations
(upload, assign, list, remove) that consult the rules before calling Partner Center."""
