"""A long-lived Builder behind a local web viewer: the edition's files as they change -> page images in the browser."""
