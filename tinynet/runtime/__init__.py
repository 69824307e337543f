"""The runtime: what tinynet's numerics share below the kernels: the thread count and the BLAS's
count around tinynet's products (threads.py); the workspace of large arrays that the convolution
kernels reuse between steps (workspace.py); and the one process-wide setting tinynet applies only
when asked, keep_freed_memory (memory.py). Nothing here changes process-wide state at import
or after a call."""

from tinynet.runtime.memory import keep_freed_memory
from tinynet.runtime.threads import (PRODUCT_GRAIN, blas_threads, get_num_threads, matmul,
                                     physical_cores, set_num_threads)
from tinynet.runtime.workspace import (clear_workspace, get_workspace_limit, set_workspace_limit,
                                       workspace_bytes)

__all__ = ["PRODUCT_GRAIN", "blas_threads", "clear_workspace", "get_num_threads",
           "get_workspace_limit", "keep_freed_memory", "matmul", "physical_cores",
           "set_num_threads", "set_workspace_limit", "workspace_bytes"]
