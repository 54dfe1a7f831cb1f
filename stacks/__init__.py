"""Stack configuration and the stack program: config decides what a stack declares."""
