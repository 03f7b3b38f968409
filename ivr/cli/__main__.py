"""``python -m ivr.cli``: how the supervisor and the tests start the command."""

from ivr.cli import main

main()
