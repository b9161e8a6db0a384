#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine with Python: the OpenSSH
# client, sshpass, tftpd-hpa and tftp-hpa, vsftpd, curl, iproute2, ping, iperf3, keepalived,
# podman, runc and debootstrap (Debian), and .venv with vpix and its test extras (PyPI; scripts/venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    missing=""
    command -v ssh >/dev/null 2>&1 || missing="$missing openssh-client"
    command -v sshpass >/dev/null 2>&1 || missing="$missing sshpass"
    command -v in.tftpd >/dev/null 2>&1 || missing="$missing tftpd-hpa"
    command -v tftp >/dev/null 2>&1 || missing="$missing tftp-hpa"
    command -v vsftpd >/dev/null 2>&1 || missing="$missing vsftpd"
    command -v curl >/dev/null 2>&1 || missing="$missing curl"
    command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
    command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
    command -v iperf3 >/dev/null 2>&1 || missing="$missing iperf3"              # the benches' peers, run quickly
    command -v keepalived >/dev/null 2>&1 || missing="$missing keepalived"
    command -v podman >/dev/null 2>&1 || missing="$missing podman"              # the container image, built and run
    command -v runc >/dev/null 2>&1 || missing="$missing runc"
    command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
    if [ -n "$missing" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
    fi
fi
scripts/venv.sh test
if [ "$(id -u)" = 0 ] && command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; then
    .venv/bin/python tests/helpers/containers.py prepare      # (the tests run without a network)
fi
