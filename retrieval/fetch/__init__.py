"""News from the web: a polite, safe fetcher, article pages read with trafilatura, RSS/Atom/RDF feeds."""
