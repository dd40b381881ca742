"""`python -m radtik.notifications.africastalking --port 8791`: an SMS gateway for the demo."""

from __future__ import annotations

import argparse
import signal
import threading

from radtik.notifications.africastalking.simulator import (
    DEFAULT_API_KEY,
    DEFAULT_USERNAME,
    AtSimulator,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m radtik.notifications.africastalking",
        description="Serve a simulated Africa's Talking SMS API; prints every message it gets.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    args = parser.parse_args(argv)
    sim = AtSimulator(host=args.host, port=args.port, username=args.username, api_key=args.api_key)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with sim:
        print(f"Africa's Talking simulator at {sim.base_url} (user {args.username})", flush=True)
        seen = 0
        try:
            while not done.wait(0.5):
                for sms in sim.messages()[seen:]:
                    print(f"SMS to {sms.number[:7]}***: {sms.message}", flush=True)
                seen = len(sim.messages())
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
