"""The photoguard desktop app (PySide6): pages, Qt item models and workers over the core.

The app adds no checking logic of its own: every verdict, decision, import and
enrollment comes from :mod:`photoguard`. Heavy or slow calls run off the UI
thread (:mod:`ui.workers`).
"""
