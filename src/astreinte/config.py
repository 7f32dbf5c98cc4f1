"""Settings: environment variables (`ASTREINTE_*`) over an optional `astreinte.toml` over defaults.

Only the entry points (CLI, API, worker) build a `Settings`, once, with `load_settings()`; nothing
reads configuration at import time.

    database_url = "postgresql+psycopg://astreinte@db/astreinte"   # astreinte.toml
    runbooks = ["docs/runbooks"]
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from astreinte.errors import InputError

CONFIG_FILE = "astreinte.toml"


def _default_database_url() -> str:
    return "sqlite:///" + str(Path.cwd() / "astreinte.db")


# The file `--config` names, for the settings built by `load_settings(config=…)`: the settings
# sources are chosen by a class method, which no argument reaches.
_chosen: ContextVar[Path | None] = ContextVar("astreinte_config", default=None)


def config_path() -> Path:
    """The file `--config` chose, else `$ASTREINTE_CONFIG` when set, else `astreinte.toml` in
    the working directory."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    return Path(os.environ.get("ASTREINTE_CONFIG", CONFIG_FILE))


class _TomlSource(PydanticBaseSettingsSource):
    """Top-level keys of `astreinte.toml`; later sections (services, probes…) are not read here."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # noqa: ARG002
        # Unused: __call__ returns the whole mapping at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: cannot be read ({exc}); fix or remove it") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{self.path}: invalid TOML ({exc}); fix or remove it") from None
        names = self.settings_cls.model_fields
        values = {key: value for key, value in data.items() if key in names}
        if isinstance(values.get("runbooks"), list):
            # Folders in the file are relative to the file, not to wherever astreinte runs.
            values["runbooks"] = [self.path.absolute().parent / str(p) for p in values["runbooks"]]
        return values


def _check_levels(names: Iterable[str]) -> None:
    """Level names in settings (SLA defaults, post-mortems required, routing rules)."""
    unknown = set(names) - {"critical", "major", "minor"}
    if unknown:
        raise ValueError(f"unknown level {sorted(unknown)}; use critical, major, minor")


class SlaDefault(BaseModel):
    """Respond and resolve times for a level, used when the runbook states none."""

    respond_minutes: int | None = Field(default=None, gt=0)
    resolve_minutes: int | None = Field(default=None, gt=0)


def _default_sla() -> dict[str, SlaDefault]:
    return {
        "critical": SlaDefault(respond_minutes=5, resolve_minutes=60),
        "major": SlaDefault(respond_minutes=15, resolve_minutes=240),
        "minor": SlaDefault(respond_minutes=60, resolve_minutes=1440),
    }


class EscalationTier(BaseModel):
    """A tier of the configured policy, for incidents whose runbook names no contact."""

    contacts: list[str] = Field(min_length=1)
    wait_minutes: int = Field(default=15, gt=0)


class EscalationSettings(BaseModel):
    wait_minutes: int = Field(default=15, gt=0)  # a runbook tier that states no time
    rounds: int = Field(default=2, ge=1, le=10)  # how many times the tiers are gone through
    tiers: list[EscalationTier] = Field(default_factory=list)


class IncidentSettings(BaseModel):
    language: str = "en"  # of messages for incidents without a runbook
    postmortem_required: list[str] = Field(default_factory=lambda: ["critical", "major"])

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in {"en", "fr"}:
            raise ValueError("use 'en' or 'fr'")
        return value

    @field_validator("postmortem_required")
    @classmethod
    def _levels(cls, value: list[str]) -> list[str]:
        _check_levels(value)
        return value


class SignatureSetting(BaseModel):
    """How a monitoring tool signs what it sends; the secret is read from the environment."""

    scheme: str  # grafana, sentry, github, standard-webhooks
    secret_env: str = Field(min_length=1)
    signature_header: str | None = None
    timestamp_header: str | None = None

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, value: str) -> str:
        known = ("grafana", "sentry", "github", "standard-webhooks")
        if value not in known:
            raise ValueError(f"use one of {', '.join(known)}")
        return value


class AlertSettings(BaseModel):
    grouping_minutes: int = Field(default=5, ge=0, le=1440)
    flap_changes: int = Field(default=4, ge=2, le=100)
    flap_minutes: int = Field(default=10, ge=1, le=1440)
    when_all_resolved: str = "mitigate"
    # source → signature: a request carrying a valid signature needs no token.
    signatures: dict[str, SignatureSetting] = Field(default_factory=dict)

    @field_validator("when_all_resolved")
    @classmethod
    def _all_resolved(cls, value: str) -> str:
        if value not in {"mitigate", "resolve"}:
            raise ValueError("use 'mitigate' or 'resolve'")
        return value


class ChannelSetting(BaseModel):
    """A delivery channel: an Apprise URL (`{recipient}` is replaced by the contact), or our
    signed webhook; `fallbacks` are the channels tried, in order, once this one gives up.
    `form` is the message it carries: "short" (SMS, ≤ 160 characters) or "full"; by default
    short for the SMS gateways' Apprise schemes and for the channel `routes.sms` names."""

    url: str = Field(min_length=3)
    kind: str = "apprise"  # or "webhook"
    secret_env: str | None = None  # webhook: the whsec_… signing secret's variable
    fallbacks: list[str] = Field(default_factory=list)
    form: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in {"apprise", "webhook"}:
            raise ValueError("use 'apprise' or 'webhook'")
        return value

    @field_validator("form")
    @classmethod
    def _form(cls, value: str | None) -> str | None:
        if value not in {None, "short", "full"}:
            raise ValueError("use 'short' (SMS) or 'full'")
        return value


def _listed(value: object) -> object:
    # `level = "critical"` reads as naturally as `level = ["critical"]`.
    return [value] if isinstance(value, str) else value


class ContactChannel(BaseModel):
    """One way to reach a contact: a configured channel and the address on it (none for a
    channel that always goes to the same place)."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1)
    to: str = ""


class ContactSetting(BaseModel):
    """Someone escalation tiers and runbooks name: their channels in order (the first pages
    them, the next ones are the fallback chain) and the names runbooks give them."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None  # shown in messages and the timeline; the key by default
    channels: list[ContactChannel] = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: object) -> object:
        return _listed(value)


class RoutingRule(BaseModel):
    """Where notifications of these services (globs), levels and kinds go; rules are tried in
    order, the first match decides unless it says `continue = true`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    service: list[str] = Field(default_factory=list)
    level: list[str] = Field(default_factory=list)
    kind: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    continue_: bool = Field(default=False, alias="continue")

    @field_validator("service", "level", "kind", "channels", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _listed(value)

    @field_validator("level")
    @classmethod
    def _levels(cls, value: list[str]) -> list[str]:
        _check_levels(value)
        return value

    @field_validator("kind")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        known = ("page", "escalation", "sla_warning", "sla_breach")
        unknown = set(value) - set(known)
        if unknown:
            raise ValueError(f"unknown kind {sorted(unknown)}; use {', '.join(known)}")
        return value


class MessageTemplates(BaseModel):
    """Jinja templates replacing astreinte's own messages in one language (the context is in
    `domain/incident/documents.py`, CONTEXT_DOC)."""

    model_config = ConfigDict(extra="forbid")

    full: str | None = None  # e-mail, Slack, webhook
    short: str | None = None  # SMS; shortened to 160 characters when longer


class ExecutionSettings(BaseModel):
    """Running the procedures' steps (the global kill switch is the top-level `kill_switch`)."""

    model_config = ConfigDict(extra="forbid")

    auto_read: bool = False  # run the diagnosis' read steps as soon as an incident opens
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    output_limit_kib: int = Field(default=64, ge=1, le=10_240)
    # Runs per hour of the same destructive step on the same target.
    rate_limit_per_hour: int = Field(default=3, ge=1, le=100)
    # service ("*": every service) → placeholder name → value, e.g. {"sylion": {"TENANT_UUID": …}}
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list)  # placeholder names to treat as secrets


class Settings(BaseSettings):
    """What the entry points need to wire astreinte together.

    astreinte.toml may hold, besides the top-level keys (`probe_concurrency = 100` checks at
    once per worker, `probe_retention_days = 30`, `kill_switch = false` — true, or
    ASTREINTE_KILL_SWITCH=1, and no step runs at all):

        [sla.critical]
        respond_minutes = 5
        resolve_minutes = 60

        [escalation]
        wait_minutes = 15
        rounds = 2
        [[escalation.tiers]]
        contacts = ["oncall@example.org"]

        [incidents]
        language = "fr"

        public_url = "https://astreinte.example.org"   # links in notifications
        [contacts.alice]
        channels = [{ channel = "slack", to = "@alice" }, { channel = "mail", to = "a@x.org" }]
        aliases = ["DBA d'astreinte"]
        [[routing]]
        service = "pay*"
        level = ["critical"]
        channels = ["pager"]
        [messages.fr]
        short = "#{{ incident.id }} {{ incident.title }} {{ incident.link }}"

        [[probes]]                     # read by probes_config.py, not here
        name = "redis"
        kind = "redis"
        target = "redis://127.0.0.1:6379/0"

        [execution]
        auto_read = true
        timeout_seconds = 60
        [execution.values.sylion]
        TENANT_UUID = "…"
    """

    model_config = SettingsConfigDict(env_prefix="ASTREINTE_", extra="ignore")

    # A factory, so the default follows the working directory of the run, not of the import.
    database_url: str = Field(default_factory=_default_database_url)
    runbooks: list[Path] = Field(default_factory=list)
    sla: dict[str, SlaDefault] = Field(default_factory=_default_sla)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    channels: dict[str, ChannelSetting] = Field(default_factory=dict)
    # contact kind (email, slack, sms, webhook, person) → channel name
    routes: dict[str, str] = Field(default_factory=dict)
    contacts: dict[str, ContactSetting] = Field(default_factory=dict)
    routing: list[RoutingRule] = Field(default_factory=list)
    messages: dict[str, MessageTemplates] = Field(default_factory=dict)  # language → templates
    # Where people open astreinte (links in notifications); none: messages carry no link.
    public_url: str | None = None
    worker_interval_seconds: float = Field(default=5.0, gt=0)
    # How many probes one worker checks at once, and how long their results are kept.
    probe_concurrency: int = Field(default=100, ge=1, le=10_000)
    probe_retention_days: int = Field(default=30, ge=1, le=3650)
    # The file these settings were read from; its [[probes]] are read by `probes_config`.
    _config_file: Path = PrivateAttr(default_factory=config_path)

    @property
    def config_file(self) -> Path:
        return self._config_file

    # The global kill switch: every request to run a step is refused, with a sentence saying so.
    kill_switch: bool = False
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)

    @field_validator("sla")
    @classmethod
    def _levels(cls, value: dict[str, SlaDefault]) -> dict[str, SlaDefault]:
        _check_levels(value)
        return value

    @field_validator("messages")
    @classmethod
    def _languages(cls, value: dict[str, MessageTemplates]) -> dict[str, MessageTemplates]:
        unknown = set(value) - {"en", "fr"}
        if unknown:
            raise ValueError(f"unknown language {sorted(unknown)}; use en or fr")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("use the address people open, like https://astreinte.example.org")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls, config_path())


def load_settings(*, config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once, from `config` (`--config`) or the file `config_path()` names; a
    bad value raises `InputError` naming the setting."""
    if config is not None and not config.is_file():
        raise InputError(f"{config}: no such configuration file; check --config")
    token = _chosen.set(config)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"setting '{name}' is invalid ({first['msg']}); "
            f"fix ASTREINTE_{name.upper()} or {config_path()}"
        ) from None
    finally:
        _chosen.reset(token)
    return settings
