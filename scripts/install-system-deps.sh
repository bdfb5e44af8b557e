#!/usr/bin/env bash
# System tools the tests need: Java 17 and Maven for the Apache Kafka broker (kafka/pom.xml), kcat
# (a Kafka client we did not write) and headless Chromium with its WebDriver, plus a colour emoji
# font so the events page shows flags.
# Idempotent: installs only what is missing (needs root).
set -euo pipefail

PACKAGES=(openjdk-17-jre-headless maven kcat chromium chromium-driver fonts-noto-color-emoji)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system deps present: ${PACKAGES[*]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing ${missing[*]}: run as root (sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
