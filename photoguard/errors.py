"""Errors a user can act on.

A :class:`UserError` carries one plain sentence. The command line prints it on one
line and exits 2; the app shows it in a message box. Anything else that escapes is
a bug and is reported as one.
"""


class UserError(Exception):
    """Bad input or bad usage: one sentence, no traceback, nothing changed."""

    exit_status = 2
