"""The generic CLI engine: grammar, parser, sessions, line editing, pager and filters."""
