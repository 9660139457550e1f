#!/usr/bin/env python
"""Django's command-line utility for the credentials console.

A command that fails for its configuration or its database, Django's own commands
included, says so in one line on stderr and exits 1: no traceback, no password (see
credentials.management.errors). `--traceback` shows the traceback instead.
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credsite.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as exc:
        from credentials.management.errors import failure_line

        line = failure_line(exc)
        if line is None or "--traceback" in sys.argv:
            raise
        sys.exit(line)


if __name__ == "__main__":
    main()
