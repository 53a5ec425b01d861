"""Command-line subcommands, each module adding its own parser to ``tillcard``."""
