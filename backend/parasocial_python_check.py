"""Says plainly when the Python doing an install is too old for parasocial-sim.

Installing from a source checkout (``pip install -e .``) with an older Python, pip resolves
the dependencies before it reads ``requires-python`` and stops on "No matching distribution
found for mesa[rec]...", which does not say what is wrong. pip imports the build backend
(parasocial_backend.py, which runs this check) with the installing Python before anything else.
"""

MIN_PYTHON = (3, 12)  # as requires-python in pyproject.toml (tests/test_packaging.py keeps them equal)


def python_problem(version: tuple[int, ...], executable: str) -> str | None:
    """Why Python ``version`` cannot install parasocial-sim, or None if it can."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    need = ".".join(map(str, MIN_PYTHON))
    return (f"parasocial-sim needs Python {need} or newer, but this is Python "
            f"{'.'.join(map(str, version))} ({executable}). Make the virtual environment with a "
            f"newer Python, e.g. `rm -rf .venv && python{need} -m venv .venv`, and install again.")
