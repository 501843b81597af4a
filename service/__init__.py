"""Service stage: FastAPI app and the `standards` CLI on top of ingest, extractors and index."""
