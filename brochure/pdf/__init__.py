"""Units -> laid-out pages -> PDF bytes (variants, preflight, proof)."""
