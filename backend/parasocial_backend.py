"""Build backend: setuptools' own, once the installing Python is known to be new enough."""

import sys

from parasocial_python_check import python_problem

_problem = python_problem(tuple(sys.version_info[:3]), sys.executable)
if _problem:
    sys.exit(_problem)

from setuptools.build_meta import *  # noqa: E402,F403  (the real backend)
