"""What every emulated service shares: state, clock, faults, middleware, callers, errors, OData, control.

Imports no service package (``emulator.arm``, ``graph``, ``entra``, ``partner_center``) nor ``worlds``: the
services build on it, never the other way round (tests/test_layers.py checks it).
"""
