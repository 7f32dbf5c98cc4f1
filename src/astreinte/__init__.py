"""astreinte: turn the runbooks a team already has into a working incident response."""

__version__ = "0.1.0"
