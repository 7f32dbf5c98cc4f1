"""Command runners: where a step's shell command runs (`local`: this machine; SSH next)."""
