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

__all__ = ["BACKENDS", "CONNECT_SECONDS", "check_backend", "check_reachable", "describe", "search_backend"]

#: The search backends.
BACKENDS = ("loky", "dask")

#: How long to try to reach a Dask scheduler before saying it cannot be reached.
CONNECT_SECONDS = 5.0


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


def describe(backend: str, scheduler: Any = None, n_workers: int = -1) -> dict[str, Any]:
    """Where the fits of :func:`search_backend` with these arguments run, JSON-ready (for the metrics)."""
    if backend == "loky":
        return {"backend": "loky", "scheduler": None, "n_jobs": int(n_workers)}
    if scheduler is None:
        return {"backend": "dask", "scheduler": f"LocalCluster of {n_workers} workers", "n_jobs": int(n_workers)}
    address = scheduler if isinstance(scheduler, str) else getattr(getattr(scheduler, "scheduler", None), "address",
                                                                     None) or "a dask.distributed.Client"
    return {"backend": "dask", "scheduler": address, "n_jobs": None}


def check_reachable(address: str, seconds: float = CONNECT_SECONDS) -> None:
    """Refuse a Dask scheduler address nobody answers at, within ``seconds`` (a TCP connection, no Dask).

    Addresses of the ``tcp://`` and ``tls://`` kinds are tried; others (``inproc://``,
    ``ucx://``) are left to Dask.

    Raises
    ------
    ConnectionError
        Naming the address and what happened.
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ConnectionError(f"Dask scheduler {address}: not an address ({exc})") from None
    if not host or port is None:
        raise ConnectionError(f"Dask scheduler {address}: the address needs a host and a port (tcp://host:8786)")
    try:
        with socket.create_connection((host, port), timeout=seconds):
            pass
    except OSError as exc:
        raise ConnectionError(f"the Dask scheduler at {address} cannot be reached ({exc.strerror or exc}; tried for "
                              f"up to {seconds:.0f} s): start it (dask scheduler) or correct dask_scheduler") from None


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
        check_reachable(scheduler)  # in seconds, with the address, rather than Dask's 30 s timeout
        client, own = Client(scheduler, set_as_default=False, timeout=f"{CONNECT_SECONDS:.0f}s"), True
    try:
        with parallel_config(backend="dask", client=client):
            yield client
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
