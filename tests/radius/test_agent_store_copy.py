"""The PostgreSQL store writes users with COPY: values come back exactly as they were sent.

The agent's API refuses control characters, so only backslashes normally need escaping; a tab
or line break that reaches the store after all must still be stored as itself, not split a row.
"""

from __future__ import annotations

import pytest

from radius.agent.attributes import UserRows
from radius.agent.store.postgresql import PostgresStore


def password_of(store: PostgresStore, username: str) -> str:
    (row,) = [r for r in store.users([username])[username]["check"] if r["op"] == ":="]
    return row["value"]


@pytest.mark.parametrize(
    "password",
    ["plain-9", "back\\slash\\\\twice", "tab\there", "line\nbreak\r\n", "\\t literally"],
)
def test_a_password_is_stored_exactly_as_sent(radius_postgres_url, password):
    store = PostgresStore(radius_postgres_url)
    users = [
        UserRows("before", (("Cleartext-Password", ":=", "x"),), ()),
        UserRows("odd", (("Cleartext-Password", ":=", password),), (), owner="alpha:v\t1"),
        UserRows("after", (("Cleartext-Password", ":=", "y"),), ()),
    ]

    assert store.replace_users(users) == {}

    assert password_of(store, "odd") == password
    # The rows around it are whole: no value spilled into a neighbour's row.
    assert password_of(store, "before") == "x" and password_of(store, "after") == "y"
    # Sent again (a retried batch), nothing changes and nothing is doubled.
    assert store.replace_users(users) == {}
    assert len(store.users(["odd"])["odd"]["check"]) == 1
    assert password_of(store, "odd") == password
