"""The HTTP API (`/api/v1`), served by `astreinte serve`."""
