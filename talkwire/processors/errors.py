"""The one error type the processors raise for bad input: a stable code plus a message."""


class InputError(ValueError):
    """Input that cannot be processed; ``code`` is the dead-letter reason (stable, snake_case)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
