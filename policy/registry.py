"""Every guardrail, once: the policy pack and the offline evaluation both build from this list.

Names are the policy names the CLI prints and that a policy pack config can retune
(``pulumi preview --policy-pack policy --policy-pack-config levels.json``); keep them stable.
"""

from __future__ import annotations

from . import gdap_rules, lighthouse_rules, output_rules, protect_rules, rbac_rules
from .model import ADVISORY, MANDATORY, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        name="gdap-global-admin-needs-consent",
        description=(
            "GDAP relationships hold Global Administrator only where the customer's config allows it explicitly."
        ),
        level=MANDATORY,
        scope="resource",
        check=gdap_rules.check_global_admin_consent,
        remediation="Remove Global Administrator from gdap.roles, or set gdap.allowGlobalAdministrator: true.",
        tags=("gdap", "least-privilege"),
    ),
    Rule(
        name="gdap-no-auto-extend-with-global-admin",
        description="A GDAP relationship with Global Administrator never auto-extends (Microsoft forbids it).",
        level=MANDATORY,
        scope="resource",
        check=gdap_rules.check_no_auto_extend_with_global_admin,
        remediation="Set gdap.autoExtend: false for this customer.",
        tags=("gdap",),
    ),
    Rule(
        name="gdap-duration-in-range",
        description="GDAP relationship durations lie within P1D..P730D.",
        level=MANDATORY,
        scope="resource",
        check=gdap_rules.check_duration,
        remediation="Set gdap.duration between P1D and P730D.",
        tags=("gdap",),
    ),
    Rule(
        name="rbac-partner-principal-is-foreign-group",
        description=(
            "Role assignments to partner groups use principalType ForeignGroup; none relies on azure-native's "
            "User default (other principals: identities the stack creates, as ServicePrincipal)."
        ),
        level=MANDATORY,
        scope="resource",
        check=rbac_rules.check_principal_type,
        remediation="Declare the role assignment with principal_type='ForeignGroup'.",
        tags=("rbac",),
    ),
    Rule(
        name="rbac-owner-at-subscription-scope",
        description="Owner is granted only at exactly /subscriptions/{id}.",
        level=MANDATORY,
        scope="resource",
        check=rbac_rules.check_owner_scope,
        remediation="Grant Owner at the subscription scope only, or use a narrower role.",
        tags=("rbac", "least-privilege"),
    ),
    Rule(
        name="rbac-owner-on-provisioned-subscriptions",
        description=(
            "Owner is granted only on subscriptions this stack provisioned (an Alias), "
            "or on existing subscriptions the config declares with role Owner."
        ),
        level=MANDATORY,
        scope="stack",
        check=rbac_rules.check_owner_on_provisioned,
        remediation="Declare the subscription under customers[].existingSubscriptions with role: Owner, or grant less.",
        tags=("rbac", "least-privilege"),
    ),
    Rule(
        name="protect-relationships-groups-subscriptions",
        description="GDAP relationships, created partner groups and subscription aliases are protected.",
        level=MANDATORY,
        scope="resource",
        check=protect_rules.check_protected,
        remediation="Declare the resource with protect=True (gdap.protect: true for relationships).",
        tags=("lifecycle",),
    ),
    Rule(
        name="no-plaintext-secret-outputs",
        description="Stack outputs hold no credential in plaintext.",
        level=MANDATORY,
        scope="stack",
        check=output_rules.check_no_plaintext_secret_outputs,
        remediation="Export credentials with pulumi.Output.secret, or better, do not export them.",
        tags=("secrets",),
    ),
    Rule(
        name="prefer-lighthouse-over-owner-on-existing-subscriptions",
        description="Owner on a subscription the partner did not provision: prefer Lighthouse or a narrower role.",
        level=ADVISORY,
        scope="stack",
        check=rbac_rules.check_owner_on_existing,
        remediation="Delegate the subscription through Lighthouse (Contributor or narrower) and drop the Owner grant.",
        tags=("rbac", "least-privilege"),
    ),
    Rule(
        name="lighthouse-offer-removable-by-partner",
        description=(
            "Every Lighthouse offer authorizes the Managed Services Registration assignment Delete Role, so the "
            "partner can remove its own delegation (Microsoft recommends it)."
        ),
        level=ADVISORY,
        scope="resource",
        check=lighthouse_rules.check_offer_removable_by_partner,
        remediation=(
            "Onboard the delegation again with an authorization for the Managed Services Registration assignment "
            "Delete Role (the toolkit's offers include it; an adopted offer keeps what it had)."
        ),
        tags=("lighthouse", "offboarding"),
    ),
)


def rule(name: str) -> Rule:
    for candidate in RULES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no policy named {name!r}; known: {', '.join(r.name for r in RULES)}")
