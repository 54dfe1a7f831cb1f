"""Benchmarks of the runbooks against the local emulator (``make bench``)."""
