"""What the units app tells the apps above it.

Units sit below records in the import order (DESIGN.md: data flows one way), yet the records
app keeps tallies for every ancestor of each record's unit: when units change place in the
tree, the records they hold must be re-tallied in the same transaction, or every figure and
register count of the old and new ancestors goes wrong. This signal is that one wire; the work
is a named function of the records app (`records.tallies.tallies_move`), connected when the
app is ready.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed the paths, with
# moves=[(unit id, old path, new path), ...] for every unit whose path changed.
paths_changed = Signal()
