"""The `antq` command: Django's manage.py with antq's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antq.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["antq", *sys.argv[1:]])


if __name__ == "__main__":
    main()
