"""The `importer` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.accounts.auth import TokenInfo, has_organisation, issue_token, list_tokens, revoke_token
from domain.errors import BadInput
from domain.db import Database
from domain.heap import settle_after_start
from domain.logs import configure_logging
from domain.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except SettingsError as error:
        print(f"importer: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="importer",
        description="A GraphQL service that validates spreadsheets, imports them in the background "
        "with live progress, and rolls them back. Settings come from the environment "
        "(IMPORTER_DATA_DIR, DATABASE_URL, BROKER_URL) or the flags below.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print the installed version and exit")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the GraphQL server (with an embedded worker when no BROKER_URL)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    _data_dir_option(serve)
    serve.add_argument("--no-worker", action="store_true",
                       help="do not run background work in this process (workers run elsewhere)")
    serve.set_defaults(handler=_serve)

    worker = commands.add_parser(
        "worker", help="run Dramatiq worker processes over BROKER_URL (production)",
        description="Runs Dramatiq's worker on the project's actors. Needs BROKER_URL (redis:// or "
        "amqp://), DATABASE_URL and the IMPORTER_DATA_DIR the servers use (the uploaded files are read from it).",
    )
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default: 1)")
    worker.add_argument("--threads", type=int, default=4, help="threads per process (default: 4)")
    worker.add_argument("--shutdown-timeout", type=float, default=30, metavar="SECONDS",
                        help="on SIGTERM, how long to let the messages under way finish before exiting; "
                        "anything unfinished is done again later (default: 30)")
    worker.set_defaults(handler=_worker)

    migrate = commands.add_parser("migrate", help="apply database migrations (Alembic)")
    _data_dir_option(migrate)
    migrate.set_defaults(handler=_migrate)

    token = commands.add_parser(
        "token", help="manage API tokens (create, list, revoke)",
        description="Manage the API tokens of the database the server uses (the SQLite file in the data "
        "directory, or DATABASE_URL). Run `importer token COMMAND --help` for a command's options.",
    )
    token_commands = token.add_subparsers(title="token commands", metavar="COMMAND")
    token.set_defaults(handler=_help_of(token))
    create = token_commands.add_parser(
        "create", help="create a token; prints it alone on the last line",
        description="Creates a token for that user of that organisation, creating either if missing "
        "(default: the first organisation's first admin). The token is shown only now, alone on the last "
        "line of the output; the database used is named on stderr. Refuses to create a new, empty database "
        "(`importer serve` creates it with the first organisation on its first start) unless --init is given.",
    )
    create.add_argument("--organisation", help="organisation name; a new name creates that organisation "
                        "(default: the first organisation)")
    create.add_argument("--email", help="the user's email; a new email creates that user "
                        "(default: the organisation's first admin)")
    create.add_argument("--role", choices=["admin", "member", "viewer"],
                        help="role of a new user; an existing user keeps theirs (default: admin)")
    create.add_argument("--expires-in-days", type=int, metavar="DAYS",
                        help="the token stops working after this many days (default: never)")
    create.add_argument("--init", action="store_true",
                        help="create the database (SQLite) and the first organisation if there are none yet, "
                        "instead of refusing; for a server that has not started yet")
    _data_dir_option(create)
    create.set_defaults(handler=_token_create)

    listing = token_commands.add_parser(
        "list", help="list tokens (their first characters, organisation, user, role, state)",
        description="Lists every token, oldest first: its first characters (the token itself is never "
        "stored), organisation, user, role, creation time and state (active, expires DATE, revoked).",
    )
    _data_dir_option(listing)
    listing.set_defaults(handler=_token_list)
    revoke = token_commands.add_parser(
        "revoke", help="revoke a token: it stops working at once",
        description="Revokes the tokens starting with PREFIX; they stop working at once. "
        "Exits 1 when no active token starts with it.",
    )
    revoke.add_argument("prefix", metavar="PREFIX",
                        help="the token, or its first characters as `importer token list` shows them")
    _data_dir_option(revoke)
    revoke.set_defaults(handler=_token_revoke)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL); schema.graphql is its output")
    export.set_defaults(handler=_export_schema)
    return parser


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="where the SQLite file, uploads and reports live (env IMPORTER_DATA_DIR, "
                        "default ./importer-data, relative to the current folder); DATABASE_URL, when set, "
                        "names the database instead of the SQLite file")


def _version() -> str:
    try:
        return version("importer")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _help_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler that prints `parser`'s help: for a command group run without its command."""
    def show_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return show_help


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "data_dir", None):
        settings = settings.with_changes(data_dir=args.data_dir)
    return settings


def _database(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    if db.is_sqlite:
        db.migrate()
    return db


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph.app import create_app

    settings = _settings(args)
    configure_logging(settings.log_format)
    db = _database(settings)
    try:
        if not has_organisation(db):
            issued = issue_token(db)
            _print_welcome(issued.token, issued.organisation, issued.email, args.host, args.port)
    except OperationalError as error:  # serve anyway: /ready says what is missing until it answers
        logging.getLogger("importer").warning("the database is not answering (%s); starting anyway",
                                              type(error.orig).__name__)
    db.dispose()
    _warn_missing_browser_files(graphiql=settings.graphiql)
    app = create_app(settings, run_worker=not args.no_worker)
    settle_after_start()
    # uvicorn's lines go through our handler; the app writes the access lines (with request ids).
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=None, access_log=False)
    return 0


def _warn_missing_browser_files(*, graphiql: bool) -> None:
    """One line on stderr when the import page's or GraphiQL's files from npm are missing (the
    pages then say so too); the API works without them."""
    from graph import graphiql as graphiql_files
    from graph import web

    missing = [*([] if web.assets_installed() else ["the import page's graphql-ws client"]),
               *([] if not graphiql or graphiql_files.assets_installed() else ["GraphiQL's files"])]
    if missing:
        print(f"importer: not installed: {' and '.join(missing)}; the pages show a notice instead (the API "
              "works). From a source checkout run ./install.sh; a package built with `python -m build` carries them.",
              file=sys.stderr, flush=True)


def _print_welcome(token: str, organisation: str, email: str, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    print(
        f"\nFirst start: created organisation {organisation!r} with admin {email} and this API token\n"
        f"(it is shown only once; `importer token create` makes more):\n\n    {token}\n\n"
        f"Import page: {base}/  (sign in with this token)\n"
        f"GraphiQL: {base}/graphql  (add the header under 'Headers':\n"
        f'    {{"Authorization": "Bearer {token}"}})\n'
        f"HTTP clients send:  Authorization: Bearer {token}\n",
        flush=True,
    )


def _worker(args: argparse.Namespace) -> int:
    from graph.app import worker_metrics_environment

    settings = Settings.from_env()
    if not settings.broker_url:
        print("importer worker needs BROKER_URL (redis://... or amqp://...); without it, "
              "`importer serve` runs the work in its own process.", file=sys.stderr)
        return 2
    queue = f"{settings.queue_prefix}-imports"
    command = [sys.executable, "-m", "dramatiq", "workers.entry", "--processes", str(args.processes),
               "--threads", str(args.threads), "--queues", queue,
               "--worker-shutdown-timeout", str(int(args.shutdown_timeout * 1000))]
    os.environ.update(worker_metrics_environment(settings))
    os.execv(sys.executable, command)


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.database_url:  # the SQLite file lives there
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    db.migrate()
    db.dispose()
    print("database is up to date")
    return 0


class _NoDatabase(Exception):
    """The database the command would use is missing, unreachable or has no organisation yet."""

    def __init__(self, problem: str, *, init_helps: bool = False) -> None:
        super().__init__(problem)
        self.init_helps = init_helps


def _token_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        db = _existing_database(settings, init=args.init)
    except _NoDatabase as refusal:
        return _refuse(refusal, settings, can_init=True)
    try:
        expires = timedelta(days=args.expires_in_days) if args.expires_in_days else None
        issued = issue_token(db, organisation=args.organisation, email=args.email, role=args.role,
                             expires_in=expires)
    except BadInput as error:
        print(f"importer: {error.message}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"token for {issued.email} ({issued.role}) of {issued.organisation!r}:")
    print(issued.token)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        db = _existing_database(settings)
    except _NoDatabase as refusal:
        return _refuse(refusal, settings)
    try:
        tokens = list_tokens(db)
    finally:
        db.dispose()
    rows = [("TOKEN", "ORGANISATION", "EMAIL", "ROLE", "CREATED", "STATE")]
    rows += [(f"{t.prefix}…", t.organisation, t.email, t.role, f"{t.created_at:%Y-%m-%d %H:%M}", _state(t))
             for t in tokens]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]))
    return 0


def _state(token: TokenInfo) -> str:
    if token.revoked_at:
        return "revoked"
    return f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "active"


def _token_revoke(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        db = _existing_database(settings)
    except _NoDatabase as refusal:
        return _refuse(refusal, settings)
    try:
        count = revoke_token(db, args.prefix)
    except BadInput as error:
        print(f"importer: {error.message}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"revoked {count} token(s)")
    return 0 if count else 1


def _existing_database(settings: Settings, *, init: bool = False) -> Database:
    """The database the server uses, named on stderr. Raises _NoDatabase when it does not exist
    yet or has no organisation, unless `init` (then the SQLite file is created and migrated)."""
    print(f"importer: database: {_describe_database(settings)}", file=sys.stderr)
    sqlite_file = _sqlite_file(settings)
    if sqlite_file is not None and not sqlite_file.is_file():
        if not init:
            raise _NoDatabase(f"there is no database at {sqlite_file}", init_helps=True)
        print(f"importer: creating a new database at {sqlite_file}", file=sys.stderr)
    db = _database(settings) if sqlite_file is not None else Database(settings.effective_database_url)
    try:
        found = has_organisation(db)
    except DBAPIError as error:
        db.dispose()
        raise _NoDatabase(_database_problem(error)) from None
    if not found and not init:
        db.dispose()
        raise _NoDatabase("the database has no organisation yet", init_helps=True)
    return db


def _database_problem(error: DBAPIError) -> str:
    if isinstance(error, OperationalError):
        return f"the database is not answering ({type(error.orig).__name__}: {' '.join(str(error.orig).split())})"
    return f"the database has no tables yet; run `importer migrate` first ({type(error.orig).__name__})"


def _refuse(refusal: _NoDatabase, settings: Settings, *, can_init: bool = False) -> int:
    where = (f"the data directory {settings.data_dir.resolve()}" if not settings.database_url
             else "DATABASE_URL")
    lines = [f"importer: {refusal} (looked in {where})."]
    if refusal.init_helps:
        lines.append(
            "`importer serve` creates the database and the first organisation on its first start. To use a "
            "running server's database, run this from the folder the server was started in, or point at it "
            "with --data-dir DIR or IMPORTER_DATA_DIR (SQLite), or DATABASE_URL (PostgreSQL)."
        )
    if can_init and refusal.init_helps:
        lines.append("To start a new, empty database here instead, add --init.")
    print("\n".join(lines), file=sys.stderr)
    return 1


def _sqlite_file(settings: Settings) -> Path | None:
    return None if settings.database_url else Path(make_url(settings.effective_database_url).database or "")


def _describe_database(settings: Settings) -> str:
    """The SQLite file, or the PostgreSQL URL without its password."""
    sqlite_file = _sqlite_file(settings)
    if sqlite_file is not None:
        return f"SQLite file {sqlite_file}"
    url = make_url(settings.database_url or "")
    without_password = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return without_password.render_as_string(hide_password=False)


def _export_schema(args: argparse.Namespace) -> int:
    from graph.schema import export_sdl

    sys.stdout.write(export_sdl())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
