"""``runtime.scope``: the extent of tinynet's own work, in which tinynet's runtime settings apply.

tinynet enters it around the outermost module call, the backward pass and the optimizer's step;
a user may enter it around other tinynet work (a loop of functional calls, say). Inside it:

- NumPy allocates array data through tinynet's caching allocator (``runtime.allocator``), in this
  thread's context only;
- the BLAS's thread count is set for each of tinynet's products only where it must change
  (``runtime.threads``) and put back when the scope ends, instead of around every product.

Both are put back when the outermost scope of the thread ends, so code outside it sees NumPy's
allocator and the BLAS's thread count as they were. Code that runs inside it (a user's NumPy code
within a module's ``forward``) shares its settings: its large arrays come from the cache, and a
NumPy product there runs on the thread count of tinynet's last product.
"""

from __future__ import annotations

import threading

from tinynet.runtime import allocator, threads


class _Depth(threading.local):
    depth = 0


_state = _Depth()


class scope:
    """A context: tinynet's allocator and its BLAS thread counts while it is open (nested scopes
    do nothing more). A class, not a generator: it runs around every module call."""

    __slots__ = ("previous_allocator",)

    def __enter__(self) -> scope:
        _state.depth += 1
        if _state.depth == 1:
            try:
                self.previous_allocator = allocator.install()
                threads.hold()
            except BaseException:
                _state.depth -= 1
                raise
        return self

    def __exit__(self, *exception) -> None:
        _state.depth -= 1
        if _state.depth == 0:
            try:
                threads.release()
            finally:
                allocator.restore(self.previous_allocator)
