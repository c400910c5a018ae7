# Quiz Tutor: slim image, non-root, the database on a volume, settings from the environment.
# The build stage makes the wheel (the bank, seeds and migrations are package data inside it); the
# image installs that wheel, not an editable checkout.
FROM python:3.13-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/quiz.db

COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 quizbot \
    && mkdir -p /data && chown quizbot:quizbot /data

USER quizbot
WORKDIR /home/quizbot
VOLUME ["/data"]

# Healthy while the database opens and the bot's heartbeat (written every 30 s while connected to
# Discord, next to the database) is under 2 minutes old. The start period covers a slow first login.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["quizbot", "health"]

# SIGTERM from `docker stop` shuts the bot down cleanly (exit 0).
STOPSIGNAL SIGTERM
CMD ["quizbot", "run"]
