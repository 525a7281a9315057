"""Offline ties among fans: a Watts-Strogatz small world built from whole numpy arrays.

networkx's ``watts_strogatz_graph`` visits every edge in Python and keeps a
dict-of-dicts graph (10 s and 0.8 GB for 10^6 fans); the model only needs the
edge list, drawn from its own numpy Generator so that a run is reproducible
from its seed.
"""

from __future__ import annotations

import numpy as np


def watts_strogatz_edges(n: int, k: int, p: float,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Edge arrays ``(u, v)`` of a Watts-Strogatz small world on nodes ``0 .. n-1``.

    The procedure of networkx's ``watts_strogatz_graph``: a ring lattice joins
    every node to its ``k // 2`` nearest neighbours on each side; then each
    lattice edge ``(u, u + j)`` is, with probability ``p``, replaced by
    ``(u, w)`` with ``w`` uniform among the nodes that make neither a self-loop
    nor a duplicate edge, and kept if ``u`` is already joined to every node.
    The number of edges, ``n * (k // 2)``, never changes.

    One departure: networkx rewires in sequence, so a new edge may re-form a
    lattice pair that was rewired away earlier; here new edges never land on
    a lattice pair (so the share of edges on lattice pairs is lower by at most
    ``p * k / n``: 0.6 % at 1000 nodes, 6 per million at 10^6), and when two
    new edges pick the same pair, the one networkx visits first keeps it and
    the other draws again. tests/test_social.py checks degree, clustering and
    the rewired share against networkx.

    Edge ``i`` of the result is lattice edge ``(i mod n, i mod n + 1 + i // n)``
    or its replacement; ``u[i]`` is always that lattice edge's first node.
    """
    _check(n, k, p)
    half = k // 2
    u = np.tile(np.arange(n, dtype=np.int64), half)
    v = (u + np.repeat(np.arange(1, half + 1, dtype=np.int64), n)) % n
    pending = np.flatnonzero(rng.random(u.size) < p)  # in networkx's visiting order
    placed = np.zeros(0, dtype=np.int64)  # node-pair keys of the rewired edges so far, sorted
    rewired = np.zeros(n, dtype=np.int64)  # rewired edges at each node
    free = n - 1 - 2 * half  # partners a node has outside the lattice
    while pending.size:
        a = u[pending]
        w = (a + rng.integers(1, n, pending.size)) % n  # uniform over the other nodes
        gap = (w - a) % n
        key = np.minimum(a, w) * n + np.maximum(a, w)
        fits = np.flatnonzero((gap > half) & (gap < n - half) & ~_within(key, placed))
        _, first = np.unique(key[fits], return_index=True)  # first visited wins a shared pair
        won = np.zeros(pending.size, dtype=bool)
        won[fits[first]] = True
        v[pending[won]] = w[won]
        placed = np.sort(np.concatenate([placed, key[won]]))
        rewired += np.bincount(np.concatenate([a[won], w[won]]), minlength=n)
        pending = pending[~won]
        pending = pending[rewired[u[pending]] < free]  # a node joined to all keeps its edge
    return u, v


def _within(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` occur in ``sorted_keys`` (np.isin hashes the large side again every call)."""
    if sorted_keys.size == 0:
        return np.zeros(keys.size, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[at] == keys


def _check(n, k, p) -> None:
    """One clear line for a graph that cannot be built, before any draw."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n={n!r} is not allowed: expected a whole number of nodes >= 1")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < n:
        raise ValueError(f"k={k!r} is not allowed: expected a whole number of neighbours "
                         f"from 0 to n - 1 = {n - 1}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p={p!r} is not allowed: expected a rewiring probability from 0 to 1")
