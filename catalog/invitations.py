"""The links and email text a partner sends a customer: reseller/DAP invitation and GDAP approval.

Link shapes come from Partner Center and Microsoft 365 admin documentation (see
../shared/reference/azure-facts.md). They are plain functions of ids, so dapctl, the components
and the runbooks produce exactly the same text. The GDAP approval link is Graph vocabulary:
azure_http.gdap.approval_link.
"""

from __future__ import annotations

from urllib.parse import quote

DAP_END_NOTICE = (
    "Microsoft stopped granting delegated admin privileges (DAP) with new reseller relationships on "
    "2023-10-09: accepting this link sets up the reseller relationship; administrative access comes "
    "through a GDAP relationship."
)


def reseller_invitation_link(partner_id: str, delegated_admin: bool = True) -> str:
    """Reseller relationship request URL (``DAP=true`` asks for delegated admin as well)."""
    dap = "true" if delegated_admin else "false"
    return (
        "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
        f"&partnerId={quote(partner_id)}&msppId=0&DAP={dap}#/BillingAccounts/partner-invitation"
    )


def dap_email(partner_name: str, customer_name: str, link: str) -> str:
    return f"""Subject: {partner_name}: reseller relationship request for {customer_name}

Hello {customer_name} team,

To let {partner_name} act as your Microsoft Cloud Solution Provider, a Global Administrator of your
Microsoft 365 tenant needs to accept our reseller relationship request:

  {link}

Sign in with a Global Administrator account, review the request and accept it. {DAP_END_NOTICE}
You can review or remove our access at any time in the Microsoft 365 admin center under
Settings > Partner relationships.

Kind regards,
{partner_name}
"""


def gdap_email(
    partner_name: str, customer_name: str, link: str, roles: list[str], duration_days: int, auto_extend: bool
) -> str:
    role_lines = "\n".join(f"  - {r}" for r in roles)
    extend = "renews automatically for 180 days at a time" if auto_extend else "ends unless you approve a new one"
    return f"""Subject: {partner_name}: granular delegated admin (GDAP) request for {customer_name}

Hello {customer_name} team,

{partner_name} asks for time-bound, least-privilege administrative access to your tenant through a
granular delegated admin privileges (GDAP) relationship. A Global Administrator of your tenant can
review and approve it here:

  {link}

Roles requested:
{role_lines}

The relationship lasts {duration_days} days and then {extend}. You can end it at any time in the
Microsoft 365 admin center under Settings > Partner relationships.

Kind regards,
{partner_name}
"""
