"""One sentence for the operator: where a customer's delegation stands and what comes next.

Read from the intent and from Graph's view of the relationship (read before declaring), so the plan,
``pulumi up``'s outputs and the fleet views say the same thing.
"""

from __future__ import annotations

from azure_http.models import Relationship

from .model import CustomerIntent


def next_step(customer: CustomerIntent, observed: Relationship | None, offline: bool) -> str:
    if not customer.expects_access:
        return (
            "offboarded: the stack declares nothing for this customer; drift reports any partner access that "
            "reappears (remove it with dapctl revoke)"
        )
    if customer.delegation == "dap":
        return "legacy DAP: send the reseller invitation (dapctl invite); move the customer to gdap when ready"
    if offline:
        step = "Graph not read (offline plan): access assignments are declared once the relationship is active"
    elif observed is None:
        step = "no relationship yet: `pulumi up` creates it and locks it for approval; send the approval link"
    elif observed.usable:
        step = f"relationship {observed.id} is {observed.status}: partner groups mapped by access assignments"
    else:
        step = (
            f"relationship {observed.id} is {observed.status}: waiting for the customer's approval; "
            "access assignments are declared by the first run after it turns active"
        )
    if customer.legacy_dap:
        if observed is not None and observed.usable:
            step += f"; DAP is still present and can now be removed (dapctl revoke {customer.name} --only dap --apply)"
        else:
            step += "; DAP is still present and stays until GDAP is active (removing it first cuts access)"
    return step
