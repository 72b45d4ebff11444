"""Markdown and plain text -> HTML fragments with French typography; the fonts that can print them."""
