"""A Python client for the Nexus AI Jobs REST API (standard library only)."""
from .client import (ApiError, JobTimeout, NexusClient, StreamEvent, StreamReset, WebhookVerificationError,
                     verify_webhook)

__all__ = ["ApiError", "JobTimeout", "NexusClient", "StreamEvent", "StreamReset", "WebhookVerificationError",
           "verify_webhook"]
