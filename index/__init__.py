"""Index stage: hybrid retrieval (FAISS dense + SQLite FTS5 BM25) over current clauses."""
