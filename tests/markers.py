"""Which tests read or change the SQLite file itself: those must be marked ``sqlite_only``.

On PostgreSQL such a test would read a file no test wrote and could pass without
checking anything (a raw-bytes privacy test finding no encoding in an empty file).
conftest.py refuses to run a suite in which a test whose code, or a fixture or
helper of its module that it uses, names ``sqlite3``, ``SQLITE_FILE`` or
``photoguard.sqlite`` lacks the mark.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def unmarked_sqlite_tests(items: list[pytest.Item]) -> list[str]:
    """Node IDs of the tests that use the SQLite file but are not marked ``sqlite_only``."""
    return [
        i.nodeid
        for i in items
        if not i.get_closest_marker("sqlite_only") and uses_the_sqlite_file(i)
    ]


_SQLITE_WORDS = ("sqlite3", "SQLITE_FILE", "photoguard.sqlite")


def uses_the_sqlite_file(item: pytest.Item) -> bool:
    """Whether the test's code, a fixture or helper of its module it uses, mentions SQLite."""
    function = getattr(item, "function", None)
    module = inspect.getmodule(function) if function is not None else None
    if function is None or module is None:
        return False
    methods: dict[str, list[Callable[..., Any]]] = {}
    for value in vars(module).values():
        if inspect.isclass(value) and value.__module__ == module.__name__:
            for name, member in vars(value).items():
                if inspect.isfunction(member):
                    methods.setdefault(name, []).append(member)
    seen: set[int] = set()

    def touches(func: Callable[..., Any], depth: int) -> bool:
        func = inspect.unwrap(func)
        if id(func) in seen or depth > 4:
            return False
        seen.add(id(func))
        try:
            source = inspect.getsource(func)
        except (OSError, TypeError):
            return False
        if any(word in source for word in _SQLITE_WORDS):
            return True
        code = getattr(func, "__code__", None)
        for name in _names(code) if code is not None else ():
            found = vars(module).get(name)
            if inspect.isclass(found) and found.__module__ == module.__name__:
                found = vars(found).get("__init__")
            if (
                inspect.isfunction(found)
                and found.__module__ == module.__name__
                and touches(found, depth + 1)
            ):
                return True
            if any(touches(m, depth + 1) for m in methods.get(name, ())):
                return True
        return False

    if touches(function, 0):
        return True
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        for fixture in info.name2fixturedefs.get(name, ()) if info else ():
            func = getattr(fixture, "func", None)
            if func is not None and inspect.getmodule(func) is module and touches(func, 1):
                return True
    return False


def _names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)
