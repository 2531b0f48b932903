"""The registry and API service: connectors, partners, tokens, health and metrics over HTTP (aiohttp)."""
