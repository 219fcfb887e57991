"""The `kino` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kino.infrastructure.logs import configure_logging
from kino.infrastructure.settings import Settings, SettingsError
from kino.infrastructure.tracing import configure_tracing, enable_trace_links


def _dev(settings: Settings, _args: argparse.Namespace) -> int:
    from kino.workers.supervisor import Supervisor

    return Supervisor(settings).run()


def _process(settings: Settings, args: argparse.Namespace) -> int:
    """One of Kino's processes, in the foreground until SIGTERM or Ctrl-C."""
    _process_main(args.command)(settings)
    return 0


def _process_main(name: str) -> Callable[[Settings], None]:
    """A process's entry point, imported only for that process (the api's imports are many)."""
    if name == "api":
        from kino.api import run_api

        return run_api
    if name == "projector":
        from kino.workers.projector import run_projector

        return run_projector
    if name == "relay":
        from kino.workers.relay import run_relay

        return run_relay
    if name == "ingest":
        from kino.workers.ingest import run_ingest

        return run_ingest
    from kino.workers.transcoder import run_transcoder

    return run_transcoder


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


def _events(settings: Settings, args: argparse.Namespace) -> int:
    from kino.bootstrap import projection_tools, resolve_endpoints
    from kino.operations import events

    tools = projection_tools(settings, resolve_endpoints(settings))
    if args.action == "tail":
        return events.tail(tools, args.app, args.limit, args.follow)
    if args.action == "show":
        return events.show(tools, args.aggregate_id, args.at_version)
    return events.replay(tools, args.app, args.start, args.stop, args.into)


Handler = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kino", description="Kino, a self-hostable video platform"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simple: dict[str, tuple[str, Handler]] = {
        "dev": ("run everything on embedded defaults, in the foreground", _dev),
        "api": ("run the GraphQL api", _process),
        "projector": ("keep the read models up to date", _process),
        "relay": ("publish video events to NATS JetStream", _process),
        "transcoder": ("transcode uploads into HLS ladders (any number of replicas)", _process),
        "ingest": ("accept RTMP publishes and write the live HLS ladder (nginx-rtmp)", _process),
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
    events = commands.add_parser("events", help="inspect the event store")
    verbs = events.add_subparsers(dest="action", required=True)
    tail = verbs.add_parser("tail", help="notifications as they are written, one line each")
    tail.add_argument("--app", help="only this application (accounts, videos, ...)")
    tail.add_argument("--limit", type=int, default=20, help="how many earlier events to show")
    tail.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    show = verbs.add_parser("show", help="an aggregate's history and its state at a version")
    show.add_argument("aggregate_id")
    show.add_argument("--at-version", type=int, help="the state after this version")
    replay = verbs.add_parser("replay", help="replay a range into a scratch read model")
    replay.add_argument("--app", required=True)
    replay.add_argument("--from", dest="start", type=int, default=1)
    replay.add_argument("--to", dest="stop", type=int, required=True)
    replay.add_argument("--into", required=True, metavar="PROJECTION")
    events.set_defaults(handler=_events)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["kino"]:
        # The image's entrypoint is `kino`: `podman run IMAGE kino api` means `kino api`.
        arguments = arguments[1:]
    args = build_parser().parse_args(arguments)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"kino: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(args.command, settings.log_format, settings.log_level)
    if configure_tracing(args.command, settings.otel_endpoint) and settings.redis_url:
        enable_trace_links(settings.redis_url, settings.redis_namespace)
    handler: Handler = args.handler
    try:
        return handler(settings, args)
    except SettingsError as error:
        print(f"kino: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
