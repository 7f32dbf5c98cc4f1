"""Adapters: the outside world (channels, probes, runners) behind the Protocols of
`services.ports`."""
