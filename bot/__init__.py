"""dondoc's core: domain model, rules, parsing and rendering, with no Telegram in it."""
