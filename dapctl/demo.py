"""`dapctl demo`: the whole life of a customer's delegation, end to end, against the local emulator.

Every step runs the project's real code (the GDAP dynamic providers, the ARM client, the audit and
revocation runbooks, the report renderers) against the emulator on 127.0.0.1, with the dev stack's
partner and its customer Contoso. Only `pulumi up` itself is played by the demo (no Pulumi CLI here):
it calls the same providers and API requests the components declare.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from unittest import mock

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

import catalog
from azure_http import EmulatorTokens, GraphClient
from azure_http.arm import ArmClient
from azure_http.connect import ENV, connect
from components import provider_io
from components.arm_resources import PartnerRoleAssignmentProvider
from components.gdap_resources import GdapAccessAssignmentProvider, GdapRelationshipProvider
from components.naming import deterministic_guid, role_definition_id, subscription_scope
from dapctl.render.reports import Format, render_audit, render_revoke
from emulator.core.client import EmulatorControl, EmulatorPace
from emulator.server import EmulatorServer
from intent import CustomerIntent, StackIntent
from operations.customer_audit import audit_customer, partner_clients, partner_view
from runbooks.audit import Clients, audit
from runbooks.journal import Journal
from runbooks.revoke import revoke

DEMO_CUSTOMER = "contoso"


def demo_scenario(cfg: StackIntent, customer: CustomerIntent) -> dict:
    """The emulated world before onboarding: the partner, the customer's tenant and its own admins."""
    ids = cfg.partner.group_ids
    partner = cfg.partner.tenant_id
    customer_admin = deterministic_guid("demo", "customer-admin", customer.tenant_id)
    return {
        "name": "demo",
        "partner_tenant_id": partner,
        "settings": {"activation_delay": 0.5, "assignment_delay": 0.2},
        "arm": {
            "tenants": [
                {"id": partner, "displayName": cfg.partner.display_name},
                {
                    "id": customer.tenant_id,
                    "displayName": customer.display_name,
                    "defaultDomain": customer.default_domain,
                },
            ],
            "principals": [
                *(
                    {"id": object_id, "kind": "Group", "tenant": partner, "displayName": key}
                    for key, object_id in ids.items()
                ),
                {
                    "id": customer_admin,
                    "kind": "User",
                    "tenant": customer.tenant_id,
                    "displayName": f"admin@{customer.default_domain}",
                },
            ],
            # The customer's Global Administrator with elevated access (User Access Administrator at /):
            # the one who can confirm, after the revocation, what the partner can no longer see.
            "role_assignments": [
                {
                    "scope": "/",
                    "tenant": customer.tenant_id,
                    "principalId": customer_admin,
                    "role": "User Access Administrator",
                }
            ],
        },
        "partner_center": {
            # Microsoft gives this group Owner on every CSP subscription the partner provisions.
            "admin_agents_group_id": ids.get("adminAgents"),
            "customers": [
                {
                    "tenantId": customer.tenant_id,
                    "companyName": customer.display_name,
                    "domain": customer.default_domain,
                }
            ],
        },
    }


class Demo:
    def __init__(self, cfg: StackIntent, console: Console, control: EmulatorControl, tmp_journal: str):
        self.cfg, self.console, self.control = cfg, console, control
        self.customer = cfg.customer(DEMO_CUSTOMER)
        self.ids = cfg.partner.group_ids
        self.journal = Journal(tmp_journal)
        self.step_no = 0

    def step(self, title: str, explanation: str) -> None:
        self.step_no += 1
        self.console.print()
        self.console.print(
            Panel(escape(explanation), title=f"[bold]Step {self.step_no}: {escape(title)}[/]", title_align="left")
        )

    def say(self, text: str) -> None:
        self.console.print(text)

    async def onboard(self) -> tuple[str, list[str]]:
        """What `pulumi up` does for a new GDAP customer with new CSP subscriptions."""
        customer, gdap = self.customer, self.customer.gdap
        assert gdap is not None
        relationship = GdapRelationshipProvider().create(
            {
                "partnerTenantId": self.cfg.partner.tenant_id,
                "customerTenantId": customer.tenant_id,
                "customerDisplayName": customer.display_name,
                "displayName": gdap.display_name,
                "duration": gdap.duration,
                "autoExtendDuration": gdap.auto_extend_duration,
                "roleIds": list(gdap.role_ids),
            }
        )
        self.say(
            f"GDAP relationship [bold]{relationship.outs['graphDisplayName']}[/] created and locked: "
            f"status {relationship.outs['status']}"
        )
        self.say(f"approval link: {relationship.outs['approvalLink']}")
        conn = connect()
        subscriptions = []
        async with ArmClient(conn.tokens, conn.endpoints, tenant_id=self.cfg.partner.tenant_id) as partner_arm:
            for sub in customer.new_subscriptions:
                alias = await partner_arm.create_alias(
                    sub.alias,
                    billing_scope=sub.billing_scope,
                    display_name=sub.display_name,
                    workload=sub.workload,
                    poll_interval=0.1,
                    timeout=30,
                )
                subscriptions.append(alias["properties"]["subscriptionId"])
                self.say(f"subscription [bold]{sub.display_name}[/] provisioned: {subscriptions[-1]}")
        return relationship.id, subscriptions

    async def adopt_owner_grants(self, subscriptions: list[str]) -> None:
        """AdminAgents' Owner on the new subscriptions, adopted. In Azure's permission model the partner
        reaches the customer's subscriptions only through admin-on-behalf-of, so only once GDAP is active
        and AdminAgents mapped (or DAP holds): this runs in the converging `pulumi up`, not the first."""
        admin, customer = self.ids["adminAgents"], self.customer
        for subscription_id in subscriptions:
            scope = subscription_scope(subscription_id)
            grant = PartnerRoleAssignmentProvider().create(
                {
                    "tenantId": customer.tenant_id,
                    "scope": scope,
                    "roleDefinitionId": role_definition_id(scope, catalog.OWNER),
                    "principalId": admin,
                    "principalType": "ForeignGroup",
                    "name": deterministic_guid(scope, catalog.OWNER, admin),
                    "description": "Owner for the CSP partner's adminAgents group (csp-delegation)",
                }
            )
            how = "adopted the one Microsoft made with the subscription" if grant.outs["adopted"] else "created"
            self.say(f"AdminAgents is Owner of {scope} (ForeignGroup; {how})")

    async def wait_for_access(self, relationship_id: str, timeout: float = 30.0) -> None:
        """Until every access assignment is active: only then can the partner's users sign in to the customer."""
        conn = connect()
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=self.cfg.partner.tenant_id) as graph:
            waited = 0.0
            while True:
                statuses = {a.get("status") async for a in graph.list_access_assignments(relationship_id)}
                if statuses <= {"active"} or waited >= timeout:
                    return
                await asyncio.sleep(0.1)
                waited += 0.1

    async def map_groups(self, relationship_id: str) -> None:
        """The next `pulumi up`: the relationship is active, so the access assignments are declared."""
        assert self.customer.gdap is not None
        for access in self.customer.gdap.access:
            if access.group not in self.ids:
                self.say(f"[yellow]{access.group}: no object id in the dev config (created by Pulumi); skipped here[/]")
                continue
            # The provider waits until Graph reports the mapping active: on the emulator's clock, not the wall's.
            pace = EmulatorPace(self.control)
            with provider_io.clients_using(sleep=pace.sleep, clock=pace.clock):
                created = GdapAccessAssignmentProvider().create(
                    {
                        "partnerTenantId": self.cfg.partner.tenant_id,
                        "relationshipId": relationship_id,
                        "groupId": self.ids[access.group],
                        "roleIds": list(access.role_ids),
                    }
                )
            roles = ", ".join(catalog.directory_role_name(r) for r in access.role_ids)
            self.say(f"{access.group} mapped to {roles} ({created.outs['status']})")

    async def customer_audit(self, view):
        """The Azure side audited by the customer's own administrator (elevated at the tenant root)."""
        conn = connect()
        admin = deterministic_guid("demo", "customer-admin", self.customer.tenant_id)
        tokens = EmulatorTokens(admin) if isinstance(conn.tokens, EmulatorTokens) else conn.tokens
        async with ArmClient(tokens, conn.endpoints, tenant_id=self.customer.tenant_id) as arm:
            return await audit(view.target, Clients(arm=arm))

    async def run_audit(self):
        view = partner_view(connect(), self.cfg, self.customer, [], all_partners=False)
        report, _ = await audit_customer(self.cfg, self.customer, view)
        return view, report

    async def run(self) -> bool:
        c = self.customer
        self.step(
            "Onboard",
            f"`pulumi up` for the dev stack: a GDAP relationship for {c.display_name}, locked for "
            "approval, and new CSP subscriptions with AdminAgents as Owner (a foreign group in the "
            "customer's tenant).",
        )
        relationship_id, subscriptions = await self.onboard()

        self.step(
            "The customer approves",
            "A Global Administrator of the customer opens the approval link and "
            "approves. Graph reports approved, then activating, then active.",
        )
        self.control.approve(relationship_id)
        conn = connect()
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=self.cfg.partner.tenant_id) as graph:
            active = await graph.wait_until_status(relationship_id, ["active"], timeout=30, poll_interval=0.2)
        self.say(f"relationship is [green]{active['status']}[/] until {active.get('endDateTime')}")

        self.step(
            "Converge",
            "The next run reads the status before declaring anything: the relationship is "
            "active, so it maps the partner groups to their roles with access assignments.",
        )
        await self.map_groups(relationship_id)
        await self.wait_for_access(relationship_id)
        await self.adopt_owner_grants(subscriptions)

        self.step(
            "Audit", "Every access path the partner holds, each marked declared (in the stack config) or out-of-band."
        )
        _, report = await self.run_audit()
        render_audit(report, Format.table, None, self.console, [])

        self.step(
            "Someone grants access by hand",
            "A technician gives HelpdeskAgents Contributor on a "
            "subscription in the portal: Pulumi does not manage it, and nothing else would show it.",
        )
        scope = subscription_scope(subscriptions[-1])
        self.control.arm_add_role_assignment(
            scope, self.ids["helpdeskAgents"], "Contributor", principal_type="ForeignGroup"
        )
        self.say(f"HelpdeskAgents is now Contributor at {scope}")

        self.step("Audit again", "The audit flags the new grant as out-of-band.")
        view, report = await self.run_audit()
        render_audit(report, Format.table, None, self.console, [])
        flagged = report.out_of_band()

        self.step(
            "Revoke, dry run",
            f"{c.display_name} wants the partner gone. The dry run lists what would go; "
            "nothing changes. Removing GDAP alone would leave every Azure grant in place.",
        )
        async with partner_clients(view.conn, self.cfg, c) as clients:
            plan = await revoke(view.target, clients, report, apply=False)
        render_revoke(plan, Format.table, None, self.console)

        self.step(
            "Revoke",
            "The same plan, applied: GDAP terminated, every RBAC grant of the partner removed, "
            "journalled as it goes; the reseller relationship is kept.",
        )
        async with partner_clients(view.conn, self.cfg, c) as clients:
            result = await revoke(view.target, clients, report, apply=True, journal=self.journal)
        render_revoke(result, Format.table, None, self.console)

        self.step(
            "Audit after revocation",
            "The partner can no longer see the tenant (that is the point), and cannot read its root: the "
            "customer's administrator, with elevated access, audits the Azure side and finds nothing left.",
        )
        after = await self.customer_audit(view)
        render_audit(after, Format.table, None, self.console, [])
        gone = not after.grants and not after.errors and result.status != "failed" and bool(flagged)
        self.say("[bold green]The partner is gone.[/]" if gone else "[bold red]Something is left: see above.[/]")
        return gone


def run_demo(cfg: StackIntent, console: Console, journal_dir: str, on_url: Callable[[str], None] | None = None) -> bool:
    customer = cfg.customer(DEMO_CUSTOMER)
    # https with the emulator's throwaway CA, as a user's own SDK scripts would reach it (`python -m emulator --tls`)
    with EmulatorServer(scenario=demo_scenario(cfg, customer), tls=True) as server:
        ca_path = str(server.ca_path)
        # The dynamic providers read their endpoint from the environment, as under Pulumi's engine (they are
        # pickled, so they carry no connection): the demo gives them the emulator's for its run, then restores it.
        with mock.patch.dict(os.environ, {ENV: server.url, "SSL_CERT_FILE": ca_path}):
            if on_url:
                on_url(server.url)
            with EmulatorControl(server.url, ca_path=ca_path) as control:
                return asyncio.run(Demo(cfg, console, control, journal_dir).run())
