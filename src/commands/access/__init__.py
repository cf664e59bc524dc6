"""Access: API keys — minted, issued, revoked — and the callers they authenticate; users, the
people who log in (added, their passwords and roles set, disabled, locked out).

``messages`` holds its commands, ``keys.HANDLERS`` and ``users.HANDLERS`` map each to its handler.
"""
