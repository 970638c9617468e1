"""The ``aliread`` exit codes: one meaning each, documented in ``--help`` and README."""

from __future__ import annotations

OK = 0  # every object as expected (or no expectation given)
NOT_EXPECTED = 1  # an expectation not met, or a terminal state that is not expected
BAD_INPUT = 2  # bad usage or bad input: refused before any request (or by the API)
API_ERROR = 3  # API, credential or network error
TIMED_OUT = 4  # --wait ran out of --timeout
INTERNAL_ERROR = 70  # sysexits EX_SOFTWARE: a bug in aliread (never 0-4)
IO_ERROR = 74  # sysexits EX_IOERR: the output could not be written (disk full, encoding)
INTERRUPTED = 130  # 128 + SIGINT (Ctrl-C)
BROKEN_PIPE = 141  # 128 + SIGPIPE: stdout closed (| head) before the reads decided a code
TERMINATED = 143  # 128 + SIGTERM

EPILOG = """\b
Exit codes:
  0  every object is in an expected state (or no expectation was given)
  1  an expectation is not met, or an object reached a final state that is
     not expected (--wait stops at once)
  2  bad usage or bad input (refused before any request is sent, or the
     API refused a parameter)
  3  API, credential or network error (after retries)
  4  timed out waiting (--wait, --timeout)
  70 internal error (a bug in aliread: please report it)
  74 the output could not be written (e.g. disk full); stderr that cannot
     be written loses the diagnostics, not the verdict
  130, 143  interrupted by SIGINT (Ctrl-C) / SIGTERM
When several apply, the first of 3, 2, 1, 4 wins. If stdout is closed early
(| head), the code the reads decided once known (every read done, or an API
error seen), else 141.
"""
