"""The stack config as a user writes it: the schema (pydantic), reading it from a stack file or the Pulumi
runtime, and errors that name the field and the fix. What the config *means* (defaults, GUIDs, names) is
computed once, by :mod:`intent`."""
