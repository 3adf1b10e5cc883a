#!/usr/bin/env python3
"""The Django admin Tandem's browser tests run against (Debian's python3-django; see tests/e2e/helpers/django.ts)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandemhost.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
