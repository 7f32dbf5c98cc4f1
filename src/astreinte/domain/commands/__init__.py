"""The risk of a shell command or SQL statement found in a runbook, and why.

`assess(text)` returns an `Assessment`: `read`, `change` or `destructive`, a `sensitive` flag (the
command reveals or sets a secret) and short English reasons. It never raises: a command the shell
parser (bashlex) cannot read is split into tokens instead, SQL that sqlglot cannot parse is read by
its keywords, and whatever stays unknown counts as a `change`, never as a `read`.

The shell text is cut into simple commands (pipelines, `&&`, `;`, `$(…)`); wrappers such as `sudo`,
`docker exec`, `kubectl exec -- …`, `railway run`, `ssh host '…'` or `sh -c '…'` are opened and
their inner command judged too; the overall risk is the highest found.

Modules:
- `risk`: `assess`, judging one simple command, redirections; `verdict`: findings → `Assessment`.
- `shell`: shell text → simple commands; `arguments`: reading a program's options and words.
- `wrappers`: commands that run another; `programs`: which table knows a program; `tool`: tables
  of subcommands. The knowledge itself: `files`, `system`, `services`, `network`, `git`,
  `infrastructure`, `platforms`, `migrations`, `databases`, `redis`.
- `sql`: SQL statements; `secrets`: secret names and leaks; `placeholders`: values to fill in.
"""

from astreinte.domain.commands.placeholders import placeholders
from astreinte.domain.commands.risk import assess, opens_sql_session
from astreinte.domain.commands.secrets import is_secret_name
from astreinte.domain.commands.wrappers import is_known_program

__all__ = ["assess", "is_known_program", "is_secret_name", "opens_sql_session", "placeholders"]
