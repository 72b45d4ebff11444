"""A checked Edition + a Theme -> the book's units, each an HTML document."""
