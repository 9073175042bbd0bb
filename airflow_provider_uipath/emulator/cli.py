"""The command line: ``python -m airflow_provider_uipath.emulator --port 8000``.

It prints ``Emulator listening on http://HOST:PORT/{org}/{tenant}`` once it accepts connections and
serves until SIGINT or SIGTERM. Only loopback addresses may be used as ``--host``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from airflow_provider_uipath.emulator.config import EmulatorConfig
from airflow_provider_uipath.emulator.config_fields import EmulatorConfigError
from airflow_provider_uipath.emulator.server import LOOPBACK_HOST, bind_loopback_socket, build_uvicorn_server
from airflow_provider_uipath.emulator.state import EmulatorState

DEFAULT_CLI_PORT = 8765
LOCALHOST_NAME = "localhost"
USAGE_ERROR = 2

DESCRIPTION = """\
Serve a local imitation of UiPath Orchestrator: API triggers (all three call modes), the OAuth
token endpoint, the OData Jobs API, and an admin API under /_emulator/ for fault injection and
inspection. Without --config, the shipped configuration is used: org 'acme', tenant
'DefaultTenant', PAT 'emulator-pat', OAuth client 'emulator-client' / 'emulator-secret', and the
triggers invoice-sync, monthly-report, notify-team, lookup-customer, broken-process and
endless-process (see --print-default-config).
"""

EXAMPLES = """examples:
  python -m airflow_provider_uipath.emulator --port 8765
  curl -X POST -H 'Authorization: Bearer emulator-pat' -d '{}' \\
    http://127.0.0.1:8765/acme/DefaultTenant/orchestrator_/t/2b3c4d5e-0000-4000-8000-000000000001/invoice-sync
  curl -X POST -d '{"redirect_status": 302}' http://127.0.0.1:8765/_emulator/config
  curl -X POST -d '{"kind": "bad_gateway_after_create", "route": "invoke"}' \\
    http://127.0.0.1:8765/_emulator/faults
  curl -X POST -d '{"seconds": 60}' http://127.0.0.1:8765/_emulator/clock/advance
  curl http://127.0.0.1:8765/_emulator/jobs
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_uipath.emulator",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_CLI_PORT,
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_CLI_PORT})",
    )
    parser.add_argument(
        "--host",
        default=LOOPBACK_HOST,
        help=f"loopback address to listen on: 127.0.0.1, ::1 or localhost (default: {LOOPBACK_HOST})",
    )
    parser.add_argument("--config", metavar="FILE", help="JSON configuration file (default: the shipped one)")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default: warning)",
    )
    parser.add_argument(
        "--print-default-config",
        action="store_true",
        help="print the shipped configuration, knobs included, as JSON and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    :param argv: the arguments, without the program name; ``sys.argv[1:]`` when ``None``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.print_default_config:
        print(json.dumps(EmulatorConfig.default().to_dict(), indent=2))
        return 0
    if not _is_loopback(args.host):
        parser.error(f"--host must be a loopback address (127.0.0.1, ::1 or localhost); got {args.host!r}.")
    try:
        config = EmulatorConfig.from_file(args.config) if args.config else EmulatorConfig.default()
    except (OSError, EmulatorConfigError) as error:
        print(f"Cannot read the configuration: {error}", file=sys.stderr)
        return USAGE_ERROR
    return _serve(config, args.host, args.port, args.log_level)


def _serve(config: EmulatorConfig, host: str, port: int, log_level: str) -> int:
    bind_host = LOOPBACK_HOST if host == LOCALHOST_NAME else host
    listener = bind_loopback_socket(bind_host, port)
    url_host = f"[{host}]" if ":" in host else host
    tenant_url = f"http://{url_host}:{listener.getsockname()[1]}/{config.org}/{config.tenant}"

    def announce() -> None:
        print(f"Emulator listening on {tenant_url}", flush=True)

    signal.signal(signal.SIGTERM, _exit_quietly)
    server = build_uvicorn_server(EmulatorState(config), announce, log_level)
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


def _exit_quietly(signal_number: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _is_loopback(host: str) -> bool:
    if host == LOCALHOST_NAME:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
