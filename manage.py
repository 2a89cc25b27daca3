#!/usr/bin/env python
"""Kept for Django tooling; the `antq` console command is the same thing."""

from antq.__main__ import main

if __name__ == "__main__":
    main()
