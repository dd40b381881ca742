"""Starting the agent: token file checks, and FreeRADIUS's own schema."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from radius.agent.store.base import SHIPPED_DIR, VENDORED_DIR
from radius.testing.agent import ROOT


def run_agent(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "radius.agent", "--port", "1", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("", "is empty"), ("  \nsecond-line-token\n", "is empty")],
)
def test_agent_refuses_to_start_without_a_token(tmp_path: Path, content, message):
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    result = run_agent("--db", str(tmp_path / "r.db"), "--token-file", str(token_file))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (tmp_path / "r.db").exists()


def test_agent_names_a_database_it_cannot_open_in_one_line(tmp_path: Path):
    (tmp_path / "token").write_text("t0ken\n")
    url = "postgresql://postgres:s3cret@127.0.0.1:1/none"
    result = run_agent("--db", url, "--token-file", str(tmp_path / "token"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "cannot open database postgresql://postgres:***@127.0.0.1:1/none" in result.stderr
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_vendored_schema_is_freeradius_own(dialect):
    shipped = SHIPPED_DIR / dialect / "schema.sql"
    if not shipped.exists():
        pytest.fail("FreeRADIUS is not installed: apt-get install freeradius")
    assert (VENDORED_DIR / f"{dialect}.sql").read_text() == shipped.read_text()


def test_agent_creates_freeradius_tables_and_indexes(radius_agent):
    agent = radius_agent()
    with sqlite3.connect(agent.db) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"radcheck", "radreply", "radusergroup", "radacct", "radpostauth", "nas"} <= names
    assert {"check_username", "reply_username", "usergroup_username"} <= names
    assert mode == "wal"
