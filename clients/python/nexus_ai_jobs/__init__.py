"""A Python client for the Nexus AI Jobs REST API (standard library only)."""
from .client import ApiError, JobTimeout, NexusClient

__all__ = ["ApiError", "JobTimeout", "NexusClient"]
