"""brochure.yml and the edition's files -> a checked Edition (sources, schema, config, content, models)."""
