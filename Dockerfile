# Quiz Tutor: slim image, non-root, the database on a volume, settings from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/quiz.db

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
RUN pip install --no-compile . && pip uninstall -y quiz-tutor

COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
COPY migrations ./migrations
RUN pip install --no-deps -e . \
    && useradd --create-home --uid 10001 quizbot \
    && mkdir -p /data && chown quizbot:quizbot /data

USER quizbot
VOLUME ["/data"]

# SIGTERM from `docker stop` shuts the bot down cleanly (exit 0).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
