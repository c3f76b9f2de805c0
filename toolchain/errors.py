"""The one base of every error the toolchain reports to a person.

Each module keeps its own subclass (SpecError, ImageError, MachineError, ...) so callers can catch
what they expect; `invoke` tasks catch ToolchainError once (cli.errors) and print its message,
which names the file, the line when there is one, and the fix, without a traceback.
"""
from __future__ import annotations


class ToolchainError(Exception):
    """A problem the toolchain explains in its message; never a bug in the toolchain itself."""
