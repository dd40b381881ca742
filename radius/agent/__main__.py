"""python -m radius.agent --db PATH_OR_POSTGRES_URL --token-file FILE [--host H] [--port P]

python -m radius.agent freeradius-config --db PATH_OR_POSTGRES_URL --out DIR  (see --help)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from radius.agent.app import DEFAULT_MAX_BATCH


class StartupError(Exception):
    """Printed as one line; the agent exits with status 2."""


def read_token(path: str) -> str:
    """The token file's first line, stripped."""
    try:
        lines = Path(path).read_text().splitlines()
    except FileNotFoundError:
        raise StartupError(f"token file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"cannot read token file {path}: {exc}") from None
    token = lines[0].strip() if lines else ""
    if not token:
        raise StartupError(
            f"token file {path} is empty: put the token radtik showed for this server on its "
            "first line"
        )
    return token


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m radius.agent", description=__doc__)
    parser.add_argument("--db", required=True, help="SQLite file path or postgresql:// URL")
    parser.add_argument("--token-file", required=True, help="file whose first line is the token")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--max-batch",
        type=int,
        default=int(os.environ.get("RADIUS_AGENT_MAX_BATCH", DEFAULT_MAX_BATCH)),
        help="most items per request (env RADIUS_AGENT_MAX_BATCH; default %(default)s)",
    )
    parser.add_argument(
        "--stale-after",
        type=int,
        default=int(os.environ.get("RADIUS_AGENT_STALE_AFTER", 180)),
        help="close open sessions with no accounting for this many seconds, 3 interim "
        "intervals of FreeRADIUS's default; a user whose replies carry its own interval "
        "(radtik's tenant setting) gets 3 of those (env RADIUS_AGENT_STALE_AFTER; default "
        "%(default)s; 0: never)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["freeradius-config"]:
        from radius.agent.freeradius import main as freeradius_config

        return freeradius_config(argv[1:])
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    import uvicorn

    from radius.agent.app import create_app, stale_sessions_closer
    from radius.agent.store import open_store, redact

    try:
        token = read_token(args.token_file)
        try:
            store = open_store(args.db)
        except Exception as exc:  # whatever the driver raises: one line for the operator
            detail = " ".join(str(exc.__cause__ or exc).split())
            raise StartupError(f"cannot open database {redact(args.db)}: {detail}") from None
    except StartupError as exc:
        print(f"radius agent: {exc}", file=sys.stderr)
        return 2
    app = create_app(store, token, max_batch=args.max_batch)
    if args.stale_after > 0:
        stale_sessions_closer(store, silent_for=args.stale_after)
    logging.getLogger("radius.agent").info(
        "serving %s database %s on %s:%d", store.dialect, redact(args.db), args.host, args.port
    )
    # uvicorn's access log is off: radius.agent.guard logs each request (without secrets).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
