"""Dataset copies: verified files from a mirror or the official URLs (fetch.py, checksums.json)."""
