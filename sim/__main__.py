"""`python -m sim` is the `parasocial` command."""

from sim.cli import main

raise SystemExit(main())
