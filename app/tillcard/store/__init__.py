"""Persistence: SQLAlchemy schema, Alembic migrations, the ledger's apply path, queries."""
