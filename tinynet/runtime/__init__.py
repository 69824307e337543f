"""The runtime: what tinynet's numerics share below the kernels: the thread count and the BLAS's
count around tinynet's products (threads.py), and the memory of tinynet's own large arrays, kept
between steps (arrays.py). Nothing here changes process-wide state at import or after a call."""

from tinynet.runtime.arrays import (astype, empty, empty_cache, get_array_cache_limit,
                                    memory_reserved, result_array, set_array_cache_limit, zeros)
from tinynet.runtime.threads import (PRODUCT_GRAIN, blas_threads, get_num_threads, matmul,
                                     physical_cores, set_num_threads)

__all__ = ["PRODUCT_GRAIN", "astype", "blas_threads", "empty", "empty_cache",
           "get_array_cache_limit", "get_num_threads", "matmul", "memory_reserved",
           "physical_cores", "result_array", "set_array_cache_limit", "set_num_threads", "zeros"]
