"""One exit-code scheme for every dapctl command, so a pipeline can tell a typo from drift from an outage.

| code | meaning |
|---|---|
| 0 | done: nothing to report |
| 1 | error: Graph, ARM or Partner Center unreachable or refusing; a report that could not be written; a revocation
|   | that left access in place |
| 2 | usage: a bad option, stack config or journal (nothing was sent) |
| 3 | findings: drift, warnings (`--fail-on-warning`), devices refused or failed, nothing to send (`invite`) |
| 4 | a mandatory policy violation (`plan`, `fleet plan`) |
| 5 | incomplete: not everything could be seen or verified (the report says what and why) |
| 130 | interrupted (Ctrl-C, SIGINT): what was done, where the journal is and how to resume are printed |
"""

from __future__ import annotations

OK = 0
ERROR = 1
USAGE = 2
FINDINGS = 3
POLICY = 4
INCOMPLETE = 5
INTERRUPTED = 130  # 128 + SIGINT, the shell's convention

EPILOG = (
    "Exit codes (every command): 0 done; 1 error (service unreachable or refusing, report not written, access "
    "left after a revocation); 2 usage (bad option, config or journal: nothing sent); 3 findings (drift, "
    "warnings, refused devices, nothing to send); 4 mandatory policy violation; 5 incomplete (not everything "
    "could be seen or verified); 130 interrupted."
)
