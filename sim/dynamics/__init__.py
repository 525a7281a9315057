"""Pure dynamics: one module per mechanism group, numpy arrays in and out, no Mesa, no I/O."""
