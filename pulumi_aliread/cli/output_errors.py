"""The two ways writing the output can end a command, apart from the reads' verdict.

Here rather than in ``command.py`` so that ``app.py`` can catch them without importing
the read path (``--help`` stays cheap)."""

from __future__ import annotations


class OutputClosed(Exception):  # noqa: N818 - not an error of the reads
    """stdout or stderr was closed before everything was written (``aliread ... | head``).

    ``exit_code`` is the code the reads decided, or None when it was not known yet
    (reads were still running).
    """

    def __init__(self, exit_code: int | None) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class OutputFailed(Exception):  # noqa: N818 - carries the OSError
    """stdout or stderr could not be written (disk full, a closed descriptor...);
    ``error`` is the OSError."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error
