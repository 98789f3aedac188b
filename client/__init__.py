"""A small Python client for the VOC Radar HTTP API (ticketing systems, notebooks, scripts)."""

from client.analyst import AnalystClient
from client.http import VocClient, VocClientError

__all__ = ["AnalystClient", "VocClient", "VocClientError"]
