"""Row readers shared by the formats: lines of text (`text`) and HTML markup (`html`) into
`document.Row`s with exact source spans."""
