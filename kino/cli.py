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


def _projections(settings: Settings, args: argparse.Namespace) -> int:
    from kino.bootstrap import projection_tools, resolve_endpoints
    from kino.operations import projections

    tools = projection_tools(settings, resolve_endpoints(settings))
    if args.action == "status":
        return projections.print_status(tools)
    if not args.names and not args.all:
        print("kino: name a projection to rebuild, or use --all", file=sys.stderr)
        return 2
    return projections.run_rebuild(tools, [] if args.all else args.names)


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
    }
    for name, (help_text, handler) in simple.items():
        commands.add_parser(name, help=help_text).set_defaults(handler=handler)
    projections = commands.add_parser("projections", help="read-model positions and rebuilds")
    actions = projections.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="position, head and lag of every projection")
    rebuild = actions.add_parser("rebuild", help="rebuild read models blue/green, resumable")
    rebuild.add_argument("names", nargs="*", metavar="NAME")
    rebuild.add_argument("--all", action="store_true", help="every projection")
    projections.set_defaults(handler=_projections)
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
