"""The HTTP JSON API, with an OpenAPI schema at ``/api/openapi.json``."""
