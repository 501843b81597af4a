"""Ingest stage: standards documents (TXT/MD/PDF/DOCX/HTML) become sections and cited clauses in the store."""
