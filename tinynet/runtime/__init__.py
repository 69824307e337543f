"""The runtime: what tinynet's numerics share below the kernels: the thread count and the BLAS's
count around tinynet's products (threads.py); the allocator that keeps freed array memory for
reuse (allocator.py); and the scope of tinynet's work, in which both apply (scope.py). Nothing
here changes process-wide state at import, after a call, or outside a scope."""

from tinynet.runtime.allocator import (clear_workspace, get_workspace_limit, set_workspace_limit,
                                       workspace_bytes)
from tinynet.runtime.scope import scope
from tinynet.runtime.threads import (PRODUCT_GRAIN, blas_threads, get_num_threads, matmul,
                                     physical_cores, set_num_threads)

__all__ = ["PRODUCT_GRAIN", "blas_threads", "clear_workspace", "get_num_threads",
           "get_workspace_limit", "matmul", "physical_cores", "scope", "set_num_threads",
           "set_workspace_limit", "workspace_bytes"]
