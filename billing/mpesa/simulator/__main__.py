"""`python -m billing.mpesa.simulator --port 8790`: a Daraja for the demo, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from billing.mpesa.simulator.backend import Credentials
from billing.mpesa.simulator.server import DEFAULT_CREDENTIALS, DarajaSimulator


def main(argv: list[str] | None = None) -> None:
    defaults = DEFAULT_CREDENTIALS
    parser = argparse.ArgumentParser(
        prog="python -m billing.mpesa.simulator",
        description="Serve a simulated M-Pesa Daraja API.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8790, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0, help="seed for receipts and ids")
    parser.add_argument("--consumer-key", default=defaults.consumer_key, help="OAuth user")
    parser.add_argument("--consumer-secret", default=defaults.consumer_secret, help="OAuth pw")
    parser.add_argument("--shortcode", default=defaults.shortcode, help="paybill/till")
    parser.add_argument("--passkey", default=defaults.passkey, help="STK password passkey")
    parser.add_argument("--result-code", type=int, default=0, help="outcome of every push")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds until the callback")
    args = parser.parse_args(argv)

    credentials = Credentials(args.consumer_key, args.consumer_secret, args.shortcode, args.passkey)
    sim = DarajaSimulator(host=args.host, port=args.port, credentials=credentials, seed=args.seed)
    sim.scenario(result_code=args.result_code, delay=args.delay)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with sim:
        print(f"Daraja simulator at {sim.base_url} (shortcode {args.shortcode}); Ctrl-C stops it")
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
