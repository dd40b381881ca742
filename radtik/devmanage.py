"""`.venv/bin/python -m radtik.devmanage COMMAND ...`: a manage.py command against the running
`make run`, from another terminal: its embedded PostgreSQL and Redis and its generated keys
(written to .data/env.json by each run; variables set in the environment win)."""

from __future__ import annotations

import json
import os
import sys

from radtik.embedded import DATA_DIR, ENV_FILE


def main(argv: list[str]) -> int:
    path = DATA_DIR / ENV_FILE
    if not path.exists():
        print(f"no {path}: start `make run` first (it writes it)", file=sys.stderr)
        return 2
    for name, value in json.loads(path.read_text()).items():
        os.environ.setdefault(name, value)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
