"""Parley's version, importable from any layer (``parley.__version__``, the
API's OpenAPI ``info.version``) without reading package metadata at start-up."""

__version__ = "0.1.0"
