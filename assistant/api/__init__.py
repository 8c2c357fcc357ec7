"""The HTTP service (FastAPI): one router per resource under ``routes/``, dependencies in
``deps``. It serves what the knowledge base can do today: health, readiness and search."""
