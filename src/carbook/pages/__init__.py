"""From data to pages: chapters, tables, figures, citations and the MyST they are written in."""
