"""Where a search's fits run: local joblib workers, or a Dask cluster through joblib's Dask backend.

scikit-learn's searches hand their fits to :class:`joblib.Parallel`; the context manager
:func:`search_backend` chooses the backend of those calls:

``"loky"`` (default)
    Local worker processes (``n_jobs`` of them; 1: no extra process).
``"dask"``
    A ``dask.distributed`` cluster: the one whose scheduler is at ``scheduler``
    (``"tcp://host:8786"``), a ``Client`` you pass, or, when ``scheduler`` is None, an
    in-process ``LocalCluster`` of ``n_workers`` single-threaded worker processes started
    for the duration of the block.

Every fit is seeded and runs on one BLAS thread, and the results come back in order, so a
search gives identical numbers on every backend.  Workers of a remote cluster need the
same environment as the client (``pip install -r requirements.txt`` and this package),
because the fitted estimators are classes of :mod:`siqd_utils.models.estimators`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any

from joblib import parallel_config

__all__ = ["BACKENDS", "check_backend", "search_backend"]

#: The search backends.
BACKENDS = ("loky", "dask")


def _is_client(value: Any) -> bool:
    return type(value).__name__ == "Client" and type(value).__module__.startswith("distributed")


def check_backend(backend: str, scheduler: Any = None) -> None:
    """Refuse an unknown backend, a malformed scheduler, or a scheduler without the Dask backend."""
    if backend not in BACKENDS:
        raise ValueError(f"backend = {backend!r}: must be one of {BACKENDS}")
    if scheduler is None or _is_client(scheduler):
        if scheduler is not None and backend != "dask":
            raise ValueError(f"a Dask client was given but backend = {backend!r}; use backend='dask'")
        return
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise ValueError(f"scheduler = {scheduler!r}: must be None, a dask.distributed.Client or a scheduler "
                         "address such as 'tcp://10.0.0.5:8786'")
    if backend != "dask":
        raise ValueError(f"scheduler = {scheduler!r} is set but backend = {backend!r}; use backend='dask'")


@contextmanager
def search_backend(backend: str = "loky", scheduler: Any = None, n_workers: int = -1):
    """Run the joblib calls of the block on ``backend``.

    Parameters
    ----------
    backend : {"loky", "dask"}, default="loky"
    scheduler : None, str or dask.distributed.Client, default=None
        Dask only: a scheduler address or a client; None starts a ``LocalCluster``.
    n_workers : int, default=-1
        Workers of that ``LocalCluster`` (-1: one per core).  Ignored otherwise.

    Yields
    ------
    dask.distributed.Client or None
        The Dask client in use (None for ``"loky"``).
    """
    check_backend(backend, scheduler)
    if backend == "loky":
        with parallel_config(backend="loky"):
            yield None
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if _is_client(scheduler):
        client, own = scheduler, False
    elif scheduler is None:
        n = (os.cpu_count() or 1) if n_workers == -1 else int(n_workers)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        client, own = Client(cluster, set_as_default=False), True
    else:
        client, own = Client(scheduler, set_as_default=False), True
    try:
        with parallel_config(backend="dask", client=client):
            yield client
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
