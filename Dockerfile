# vpix as a containerlab node: one unit per container, wired as the cisco_asav kind is
# (eth0 management with SSH on 22, eth1… data interfaces, the console on the container's
# 127.0.0.1:5000, flash on the /flash volume). See examples/containerlab/ and the README.
#   docker build -t vpix .
# BASE is any Debian-like image with Python 3.11 or newer and its venv module.
# PIP_OPTIONS go to pip (say, "--no-index --find-links /src/wheels" with a wheelhouse in the
# build context, to build without reaching an index).
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ARG PIP_OPTIONS=""
RUN python3 -m venv /opt/vpix
COPY . /src/
RUN /opt/vpix/bin/pip install --no-cache-dir --disable-pip-version-check ${PIP_OPTIONS} /src \
    && /opt/vpix/bin/pip uninstall -y --disable-pip-version-check pip setuptools

FROM ${BASE}
COPY --from=build /opt/vpix /opt/vpix
ENV PATH=/opt/vpix/bin:$PATH PYTHONDONTWRITEBYTECODE=1
VOLUME /flash
EXPOSE 22
STOPSIGNAL SIGTERM
ENTRYPOINT ["vpix", "node", "--workdir", "/flash"]
