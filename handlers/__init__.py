"""The Telegram side of dondoc: one module per feature, each with a register(application)."""
