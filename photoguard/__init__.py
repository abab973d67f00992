"""photoguard: checks photos and videos against a school's photo opt-out roster.

The core library. It never imports Qt: the desktop app in ``ui/`` wraps it.
"""

__version__ = "0.1.0"
