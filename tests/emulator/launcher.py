"""Starts the AWS emulator: moto in-process behind our extensions, on 127.0.0.1.

    python launcher.py --port 0 --port-file /tmp/x/port --parent-pid 1234

Writes the bound port to --port-file (atomically) once requests are answered, stops cleanly on SIGTERM/SIGINT, and
exits by itself when --parent-pid is gone, so a test run that crashes never leaves a server behind.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

# The modules beside this file, whatever the working directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# moto reads these at import time; the emulator never talks to real AWS or Docker.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

import emulator_app  # noqa: E402

# Backends created before the port is published, so no test's first call pays moto's lazy import.
WARM_BACKENDS = ("cloudwatch", "sns", "ssm", "dynamodb", "sts")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="where to write the bound port once ready")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args()


def warm(dispatcher: DomainDispatcherApplication) -> None:
    import botocore.session

    for name in WARM_BACKENDS:
        with dispatcher.lock:
            if name not in dispatcher.app_instances:
                dispatcher.app_instances[name] = dispatcher.create_app(name)
    botocore.session.get_session().get_service_model("cloudwatch")


def write_port_file(path: str, port: int) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(f"{port}\n")
    os.replace(temporary, path)


def parent_alive(pid: int, original_ppid: int) -> bool:
    # When the watched process is our direct parent, being re-parented is the surest sign it died (no pid reuse).
    if pid == original_ppid and os.getppid() != original_ppid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    started = time.monotonic()

    emulator_app.install_patches()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    app = emulator_app.EmulatorApp(dispatcher)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    warm(dispatcher)

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logging.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    serving.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    logging.info("emulator ready on http://%s:%d in %.2fs", args.host, port, time.monotonic() - started)

    original_ppid = os.getppid()
    while not stop.wait(0.25):
        if args.parent_pid and not parent_alive(args.parent_pid, original_ppid):
            logging.info("parent %d is gone: stopping", args.parent_pid)
            break

    server.shutdown()
    server.server_close()
    if args.port_file:
        try:
            os.remove(args.port_file)
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
