# dondoc in a container: the data directory is a volume, the bot runs as a non-root user.
#   docker build -t dondoc .
#   docker volume create dondoc-data
#   docker run -d --name dondoc --restart on-failure --stop-timeout 30 \
#       --env-file /etc/dondoc/dondoc.env -v dondoc-data:/data dondoc
# See "Running in production" in the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DONDOC_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
# Dependencies first, so that a change of code does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
COPY handlers/__init__.py handlers/__init__.py
COPY store/__init__.py store/__init__.py
RUN pip install -e .
COPY bot.py ./
COPY bot bot
COPY handlers handlers
COPY store store
COPY templates templates
# The sample plan `python bot.py console --demo` imports with `:file mau`.
COPY samples samples
# Compiled once here: PYTHONDONTWRITEBYTECODE keeps the running bot from writing bytecode, so
# without this every start compiled all of the bot's own code again (a third of a second).
RUN python -m compileall -q bot handlers store

RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin dondoc \
    && install -d -o dondoc -g dondoc -m 0750 /data
USER dondoc
VOLUME ["/data"]
# Give the bot --stop-timeout 30 to stop after SIGTERM, as the systemd unit does (docker's
# default, 10 s, is the bound the bot is meant to keep: no margin).
STOPSIGNAL SIGTERM
CMD ["python", "bot.py"]
