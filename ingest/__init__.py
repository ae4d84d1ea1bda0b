"""Getting reports into the raw store: from a folder, or crawled from a list of URLs."""
