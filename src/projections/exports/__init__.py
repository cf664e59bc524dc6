"""Datasets for analysts: the books and the log as typed tables at (as of, known at), read in
batches so that an export of a million events holds one batch in memory, never the whole."""
