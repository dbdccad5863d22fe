"""`python -m witkit`: the same as the `witkit` command."""

from witkit.cli import main

main()
