"""Audit and revocation of a partner's access to a customer tenant: plain Python over azure_http.

dapctl runs this code locally; the same code, bundled by runbooks.packaging, is the Azure
Automation runbook a customer starts in its own tenant.
"""
