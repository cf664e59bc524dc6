"""Access: API keys — minted, issued, revoked — and the callers they authenticate.

``messages`` holds its commands, ``keys.HANDLERS`` maps each to its handler.
"""
