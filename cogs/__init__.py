"""discord.py extensions: thin adapters that parse, call a service and render."""
