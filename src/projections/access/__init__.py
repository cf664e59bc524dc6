"""Access: API keys as administrators list them (the ``access`` read model and its list)."""
