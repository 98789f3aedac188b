"""How many threads the numeric libraries beside the embedder may use.

In the service the ONNX Runtime session owns the cores. NumPy's BLAS (OpenBLAS) keeps a
pool of its own that spins after each matrix product, so the small products of the
per-message stages (topic prototypes, heads, cluster centroids) would wake a second set of
threads fighting the inference threads for the same cores. One BLAS thread is the default
in the service (``VOC_BLAS_THREADS``).
"""

from __future__ import annotations


def limit_blas_threads(threads: int) -> None:
    """Make NumPy/SciPy's BLAS use ``threads`` threads from now on, process-wide; 0 leaves
    the library's own default (one per core)."""
    if threads < 0:
        raise ValueError(f"BLAS threads must be 0 (library default) or more, not {threads}")
    if threads == 0:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def blas_threads() -> list[int]:
    """The thread count of each BLAS library loaded in this process."""
    from threadpoolctl import threadpool_info

    return [int(pool["num_threads"]) for pool in threadpool_info() if pool.get("user_api") == "blas"]
