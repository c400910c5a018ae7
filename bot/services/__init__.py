"""Services: use cases that own transactions and call repositories. No discord import."""
