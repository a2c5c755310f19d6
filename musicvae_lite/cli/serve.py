"""`mvae serve`: start the local web app (musicvae_lite/serve) and say where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import generation_threads, user_errors
from musicvae_lite.errors import MvaeError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on. The default answers this machine only; "
                                           "0.0.0.0 lets anyone who can reach it use the server.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the web browser.")] = False,
    model: Annotated[Optional[list[Path]], typer.Option(
        "--model", "-m", metavar="RUN", help="Also offer this run folder or checkpoint (by its name); repeatable. The bundled "
        "models are always offered.")] = None,
    replicas: Annotated[Optional[int], typer.Option(
        help="Copies of each model that serve requests at once (default: one per core, up to 4).")] = None,
) -> None:
    """A Melody Mixer and a 4-corner blender in the browser, on the bundled models, offline."""
    with user_errors():
        if not 1 <= port <= 65535:
            raise MvaeError(f"--port must be 1..65535, got {port}")
        if replicas is not None and not 1 <= replicas <= 64:
            raise MvaeError(f"--replicas must be 1..64, got {replicas}")
        try:
            import uvicorn

            from musicvae_lite.serve.app import create_app
        except ImportError as e:
            raise MvaeError(f"mvae serve needs {e.name}: pip install fastapi uvicorn python-multipart") from None
        _check_port(host, port)
        generation_threads()
        extra = {_served_name(p): p for p in model or []}
        loopback = host in LOOPBACK_HOSTS
        app = create_app(extra, allowed_hosts=LOOPBACK_HOSTS if loopback else None, replicas=replicas)
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/"
        if not loopback:
            typer.echo(f"warning: listening on {host}: anyone who can reach this machine on port {port} can use "
                       f"the server", err=True)
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
        typer.echo(f"musicvae_lite is at {url}  (API at {url}docs; Ctrl-C stops it)")
        if open_browser:
            _open_when_started(server, url if loopback else f"http://127.0.0.1:{port}/")
        server.run()


def _served_name(path: Path) -> str:
    """A run folder is offered by its folder name, a checkpoint by its file stem."""
    return path.name if path.is_dir() else path.stem


def _check_port(host: str, port: int) -> None:
    """A one-line error now, rather than uvicorn's traceback later, when the port is taken. The trial
    bind is the one uvicorn makes: asyncio's `loop.create_server` sets SO_REUSEADDR on POSIX, so a port
    whose last connections wait out TIME_WAIT (a server just stopped after a browser was connected) is
    free to it, and must be free here too; a port another program listens on is still refused."""
    import os
    import socket
    import sys

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        if os.name == "posix" and sys.platform != "cygwin":  # asyncio's own rule (base_events.create_server)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise MvaeError(f"cannot listen on {host}:{port}: {e.strerror or e} (another program may use it; "
                            f"try --port)") from None


def _open_when_started(server, url: str) -> None:
    import threading
    import time
    import webbrowser

    def wait_then_open() -> None:
        for _ in range(600):
            if server.started:
                webbrowser.open(url)
                return
            time.sleep(0.1)

    threading.Thread(target=wait_then_open, daemon=True).start()
