"""The `kino` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kino.infrastructure.logs import configure_logging
from kino.infrastructure.settings import Settings, SettingsError


def _dev(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.supervisor import Supervisor

    return Supervisor(settings).run()


def _api(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.api import run_api

    run_api(settings)
    return 0


def _projector(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.projector import run_projector

    run_projector(settings)
    return 0


def _relay(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.relay import run_relay

    run_relay(settings)
    return 0


def _transcoder(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.transcoder import run_transcoder

    run_transcoder(settings)
    return 0


Handler = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kino", description="Kino, a self-hostable video platform"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simple: dict[str, tuple[str, Handler]] = {
        "dev": ("run everything on embedded defaults, in the foreground", _dev),
        "api": ("run the GraphQL api", _api),
        "projector": ("keep the read models up to date", _projector),
        "relay": ("publish video events to NATS JetStream", _relay),
        "transcoder": ("transcode uploads into HLS ladders (any number of replicas)", _transcoder),
    }
    for name, (help_text, handler) in simple.items():
        commands.add_parser(name, help=help_text).set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"kino: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(args.command, settings.log_format, settings.log_level)
    handler: Handler = args.handler
    try:
        return handler(settings, args)
    except SettingsError as error:
        print(f"kino: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
