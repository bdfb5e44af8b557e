# The talkwire worker, for docker-compose.yml (Apache Kafka in KRaft mode). Not used by `make demo`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TALKWIRE_WEB_HOST=0.0.0.0 \
    TALKWIRE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY talkwire ./talkwire
RUN pip install . && useradd --create-home --uid 10001 talkwire && mkdir /data && chown talkwire /data
USER talkwire
VOLUME /data
EXPOSE 6066
ENTRYPOINT ["talkwire"]
CMD ["worker"]
