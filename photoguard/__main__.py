"""``python -m photoguard`` runs the command line."""

from photoguard.cli.main import main

if __name__ == "__main__":  # worker processes import this module again: don't re-run
    raise SystemExit(main())
