"""The WebSocket side: frame protocol, consumers, group names, routing."""
