"""python -m radius.agent --db PATH_OR_POSTGRES_URL --token-file FILE [--host H] [--port P]"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radius.agent", description=__doc__)
    parser.add_argument("--db", required=True, help="SQLite file path or postgresql:// URL")
    parser.add_argument("--token-file", required=True, help="file whose first line is the token")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--max-batch", type=int, default=1000)
    args = parser.parse_args(argv)
    try:
        lines = Path(args.token_file).read_text().splitlines()
    except OSError as exc:
        print(f"radius agent: cannot read token file: {exc.strerror}", file=sys.stderr)
        return 2
    token = lines[0].strip() if lines else ""
    if len(token) < 16:
        print(
            "radius agent: the token file's first line must hold a token of 16+ characters",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    from radius.agent.app import create_app
    from radius.agent.store import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        store = open_store(args.db)
    except Exception as exc:  # noqa: BLE001 - one readable line, not a traceback
        print(
            f"radius agent: cannot open database {args.db.split('@')[-1]}: {exc}", file=sys.stderr
        )
        return 2
    app = create_app(store, token, max_batch=args.max_batch)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
