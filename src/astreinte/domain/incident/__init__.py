"""Incidents: lifecycle, SLA clocks, escalation, timeline, checklists, documents and metrics."""
