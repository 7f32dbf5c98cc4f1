"""Guarded execution of a procedure's steps: pure rules, no processes and no database.

- `step`: a procedure's runnable commands (`Step`, stable ids, working directories, programs).
- `values`: filling placeholders, quoted for their quoting context; secrets via the environment.
- `redact`: masking secrets (known values and secret shapes) in commands and output.
- `policy`: the gate by risk, the approval rule, the rate limit, the backup-restore decision.
- `state`: an execution's states and transitions, its preview and the runner's result.
- `timeline`: what the incident's timeline says about an execution, in its language.
"""
