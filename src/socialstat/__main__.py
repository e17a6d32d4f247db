"""`python -m socialstat` runs the command-line interface."""

from socialstat.cli import main

main()
