"""The pure domain core: quiz rules, scoring, time. No discord import here (a test guards it)."""
