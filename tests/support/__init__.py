"""What several test modules share: the in-process command runner and the shared worlds' constants."""
