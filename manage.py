#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")
    # manage.py is the developer's tool: it runs in development mode unless DEBUG is set, in the
    # environment or in .env (the settings decide, after reading .env). The web server, ASGI and
    # Celery entry points set no default and start as production. `make` uses the same default.
    os.environ.setdefault("DEBUG_DEFAULT", "true")
    from django.core.management import execute_from_command_line

    from ressursvenner.refusal import RefusedStart

    try:
        execute_from_command_line(sys.argv)
    except RefusedStart as refused:
        # A production start refused for a missing or unsafe variable: the one line that
        # names it, not a traceback.
        sys.exit(f"Refused to start: {refused}")


if __name__ == "__main__":
    main()
