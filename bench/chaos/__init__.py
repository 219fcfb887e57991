"""Chaos campaign: Kino under load while processes and servers are killed and restarted.

``python -m bench.chaos --help``. Not part of ``make test``; see docs/reliability.md.
"""
