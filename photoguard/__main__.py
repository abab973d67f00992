"""``python -m photoguard`` runs the command line."""

from photoguard.cli.main import main

raise SystemExit(main())
