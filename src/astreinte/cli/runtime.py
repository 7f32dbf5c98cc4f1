"""What the commands of one invocation share: the settings, built once, and the database, opened
(and migrated) on first use and closed when the command ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # SQLAlchemy, Alembic and pydantic load when a command opens the database
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from astreinte.config import Settings


@dataclass
class Runtime:
    _settings: Settings | None = None
    _engine: Engine | None = None
    _sessions: sessionmaker[Session] | None = field(default=None)
    config: Path | None = None  # --config: the file read instead of $ASTREINTE_CONFIG

    def settings(self) -> Settings:
        if self._settings is None:
            from astreinte.config import load_settings

            self._settings = load_settings(config=self.config)
        return self._settings

    def choose_config(self, path: Path | None) -> None:
        """Read the settings from `path` (a command's --config) rather than the default file."""
        if path is not None:
            if self._settings is not None and path != self.config:
                raise typer.BadParameter("--config must be given before anything reads settings")
            self.config = path

    def sessions(self) -> sessionmaker[Session]:
        """A session factory on a database at the latest schema."""
        if self._sessions is None:
            from astreinte.storage.db import make_engine, make_session_factory, migrate

            engine = make_engine(self.settings().database_url)
            self._engine = engine
            migrate(engine)
            self._sessions = make_session_factory(engine)
        return self._sessions

    def session(self) -> Session:
        return self.sessions()()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None


def acting(value: str | None) -> str:
    """Who acts, for the timeline: `--as`, else $ASTREINTE_ACTOR, else the login name."""
    import getpass
    import os

    if value and value.strip():
        return value.strip()
    return os.environ.get("ASTREINTE_ACTOR") or getpass.getuser()


def runtime(ctx: typer.Context) -> Runtime:
    """The invocation's runtime, created by the root callback."""
    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        root.obj = Runtime()
        root.call_on_close(root.obj.close)
    return root.obj


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="The astreinte.toml to read (default: $ASTREINTE_CONFIG, else ./astreinte.toml).",
        show_default=False,
    ),
]
