"""TinyDB access for dondoc: durable files in, domain objects out."""
