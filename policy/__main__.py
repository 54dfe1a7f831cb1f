"""The policy pack the Pulumi CLI runs: ``pulumi preview --policy-pack policy`` (from the project root).

The CLI starts this file with the pack folder first on sys.path; the rules are the ``policy`` package
of this repository, so the repository root goes there instead (the pack folder's own module names,
such as ``context`` or ``model``, must not shadow anything). The pack's virtualenv (``.venv`` here,
from requirements.txt) holds pulumi and pulumi-policy only: the rules need nothing else.
"""

import sys
from pathlib import Path

_PACK_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _PACK_DIR]
sys.path.insert(0, str(_PACK_DIR.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.pack import PACK_NAME, build_policies  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Least-privilege guardrails for csp-delegation: GDAP, Azure RBAC, protection, stack outputs.",
)
