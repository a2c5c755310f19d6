"""The root of every error a user can cause: the CLI catches `MvaeError` once and prints one line."""


class MvaeError(Exception):
    """Bad input or a request that cannot be met; `str(error)` is a complete one-line message."""
