"""`python -m witkit.cli`: the same as the `witkit` command."""

from witkit.cli import main

main()
