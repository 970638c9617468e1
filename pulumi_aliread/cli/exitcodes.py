"""The ``aliread`` exit codes: one meaning each, documented in ``--help``."""

from __future__ import annotations

OK = 0  # every object as expected (or no expectation given)
NOT_EXPECTED = 1  # an expectation not met, or a terminal state that is not expected
BAD_INPUT = 2  # bad usage or bad input: refused before any request
API_ERROR = 3  # API, credential or network error
TIMED_OUT = 4  # --wait ran out of --timeout
INTERRUPTED = 130  # Ctrl-C
BROKEN_PIPE = 141  # 128 + SIGPIPE: stdout closed (| head) before the reads decided a code

EPILOG = """\b
Exit codes:
  0  every object is in an expected state (or no expectation was given)
  1  an expectation is not met, or an object reached a final state that is
     not expected (--wait stops at once)
  2  bad usage or bad input (refused before any request is sent)
  3  API, credential or network error (after retries)
  4  timed out waiting (--wait, --timeout)
When several apply, the first of 3, 1, 4 wins. If stdout is closed early
(| head), the code the reads decided, else 141.
"""
