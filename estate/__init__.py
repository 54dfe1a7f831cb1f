"""A partner's existing estate, read and turned into stack config: brownfield adoption.

A partner who never used this toolkit already has customers, GDAP relationships (Microsoft-led transition ones among
them), DAP on old customers, Azure grants and Lighthouse delegations made by hand. ``estate.reader`` reads all of it
through ``azure_http`` into the frozen models of ``estate.model``; ``estate.translate`` turns each customer into the
config that describes it (naming what exists for adoption) and lists what config cannot express; ``estate.writer``
writes the stack files; ``estate.report`` renders what was written and what was not.
"""
