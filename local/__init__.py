"""Local development tooling: never deployed."""
