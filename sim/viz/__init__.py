"""Pieces of the browser app (``sim.app``): chart specs, the scenario comparison, offline assets."""
