"""How dapctl shows results: tables for people, JSON, Markdown and HTML reports for tools, the fleet dashboard."""
