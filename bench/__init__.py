"""Parley's benchmark: the same bounded scenarios against Parley, the Channels
tutorial chat and a plain ``websockets`` broadcast server, in one run.

``python -m bench`` runs everything and writes ``docs/performance.md``;
``python -m bench fanout --quick`` runs one scenario briefly. See
``docs/performance.md`` for what each scenario measures.
"""
