"""The worker: the loop that fires due SLA alarms and escalation steps and delivers the outbox."""
