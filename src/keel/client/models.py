"""Every request body and answer of Keel's HTTP API as a TypedDict (generated: keel.client.generated)."""

from keel.client.generated.models import *  # noqa: F403
