"""Quiz Tutor: a Discord bot that teaches LLM fine-tuning through quizzes."""

__version__ = "0.1.0"
