"""FreeRADIUS's SQL schema on SQLite or PostgreSQL, behind one small repository interface."""

from __future__ import annotations

from radius.agent.store.base import Store, StoreUnavailable, redact

__all__ = ["Store", "StoreUnavailable", "open_store", "redact"]


def open_store(target: str) -> Store:
    """A postgres:// or postgresql:// URL, else a SQLite file path; creates the schema if absent."""
    if target.startswith(("postgres://", "postgresql://")):
        from radius.agent.store.postgresql import PostgresStore  # psycopg only when needed

        return PostgresStore(target)
    from radius.agent.store.sqlite import SQLiteStore

    return SQLiteStore(target)
