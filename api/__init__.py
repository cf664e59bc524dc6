"""The ways into Keel: the HTTP API and the ``keel`` command line."""
