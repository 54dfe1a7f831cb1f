"""The vocabulary of a Partner Center Autopilot profile (a configuration policy of category ``o_o_b_e``), as
Microsoft's "Create a new configuration policy" docs list it: read by the config schema and the commands."""

from __future__ import annotations

from typing import Literal

PROFILE_SETTINGS = (
    "remove_oem_preinstalls",
    "oobe_user_not_local_admin",
    "skip_express_settings",
    "skip_oem_registration",
    "skip_eula",
)
ProfileSetting = Literal[
    "remove_oem_preinstalls", "oobe_user_not_local_admin", "skip_express_settings", "skip_oem_registration", "skip_eula"
]
