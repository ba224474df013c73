#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")
    # manage.py is the developer's tool: unless told otherwise it runs in development mode, as
    # `make` does (Makefile: DEBUG ?= true). Production sets DEBUG=false (.env.example), and the
    # web server, ASGI and Celery entry points default to production and need their secrets.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
