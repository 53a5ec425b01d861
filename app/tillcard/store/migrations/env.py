"""Alembic environment: runs migrations on the engine handed over in the config."""

from alembic import context
from sqlalchemy import Engine

from tillcard.store.schema import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
