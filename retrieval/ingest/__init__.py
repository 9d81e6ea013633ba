"""Articles in: reading sources, cleaning text, sentences, outlets, cutting passages."""
