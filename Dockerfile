# Agency: one image for web, worker and scheduler (the command picks the process).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint (monthly PDF reports) needs pango/harfbuzz and fonts at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
      fonts-dejavu-core fonts-liberation2 fonts-noto-color-emoji \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY agency ./agency
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY translations ./translations
RUN pip install -e . && useradd --create-home --uid 10001 agency
USER agency

EXPOSE 8000
CMD ["gunicorn", "--workers", "4", "--threads", "4", "--bind", "0.0.0.0:8000", "--forwarded-allow-ips", "*", "agency.wsgi:app"]
