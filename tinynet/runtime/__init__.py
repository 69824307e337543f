"""The runtime: what tinynet's numerics share below the kernels: the thread count and the BLAS's
count around tinynet's products (threads.py); and the one process-wide setting tinynet applies
only when asked, keep_freed_memory (memory.py). Nothing here changes process-wide state at import
or after a call."""

from tinynet.runtime.memory import keep_freed_memory
from tinynet.runtime.threads import (PRODUCT_GRAIN, blas_threads, get_num_threads, matmul,
                                     physical_cores, set_num_threads)

__all__ = ["PRODUCT_GRAIN", "blas_threads", "get_num_threads", "keep_freed_memory", "matmul",
           "physical_cores", "set_num_threads"]
