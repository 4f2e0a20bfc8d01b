"""Wiring of the REST API's URLs (the API itself lives in core.api and the apps)."""
