# syntax=docker/dockerfile:1
# The SGLang router for the compose "scale" profile: smg (Shepherd Model Gateway), the successor of
# sglang_router, which SGLang 0.5.23's image no longer ships. Pinned; the same version the tests run
# in front of stand-in workers (tests/judges/test_sglang_router.py).
FROM python:3.11-slim
ARG SMG_VERSION=1.13.0
RUN pip install --no-cache-dir "smg==${SMG_VERSION}" \
    && apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10002 router
USER router
EXPOSE 30000 29000
ENTRYPOINT ["smg"]
