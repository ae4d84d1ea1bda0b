"""One reader per source layout, each turning a decoded source into `document.Row`s."""
