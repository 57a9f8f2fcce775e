"""gymnasium.error: the base error."""


class Error(Exception):
    """gymnasium's error base class."""
