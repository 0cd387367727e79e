"""Append-only column buffers: each simulated day adds numpy chunks, the end joins them once."""

from __future__ import annotations

import numpy as np


class Columns:
    """A growing table: `append(col=array, …)` per day, `arrays()` once at the end."""

    def __init__(self, **dtypes: np.dtype | type) -> None:
        self.dtypes = {name: np.dtype(dtype) for name, dtype in dtypes.items()}
        self.chunks: dict[str, list[np.ndarray]] = {name: [] for name in dtypes}
        self.rows = 0

    def append(self, **columns: np.ndarray | int | float) -> None:
        sizes = {np.size(v) for v in columns.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"columns of different lengths: {sizes}")
        size = sizes.pop() if sizes else 1
        if size == 0:
            return
        if set(columns) != set(self.dtypes):
            raise ValueError(f"expected columns {sorted(self.dtypes)}, got {sorted(columns)}")
        for name, value in columns.items():
            array = np.broadcast_to(np.asarray(value, dtype=self.dtypes[name]), (size,))
            self.chunks[name].append(np.array(array))
        self.rows += size

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: (np.concatenate(chunks) if chunks else np.zeros(0, self.dtypes[name]))
                for name, chunks in self.chunks.items()}
