"""Keel for other programs: ``keel.client``, a typed client of Keel's HTTP API."""
