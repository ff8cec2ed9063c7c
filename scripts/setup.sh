#!/usr/bin/env bash
# Installs what landcons needs to build and test on Debian/Ubuntu when it is missing:
# GDAL (library, headers, command-line tools), SQLite's headers (the GeoPackage is written
# through the system libsqlite3, the one GDAL uses), pkg-config, and cmake and g++ (HiGHS
# is built from source); with --tests also the
# tools the tests drive. Rust comes from rustup.
set -euo pipefail

need=()
pkg-config --exists gdal 2>/dev/null || need+=(libgdal-dev pkg-config)
command -v gdaldem >/dev/null 2>&1 || need+=(gdal-bin)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# HiGHS, the MILP solver of the exact selections, is built from source by highs-sys.
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
# `setup.sh --tests`: also the tools the tests drive (fault injection, database dumps,
# the report in a real browser, PDF page counts, the workbook read back by openpyxl,
# and QGIS itself — its Python bindings under Debian's /usr/bin/python3, and the CJK
# font the maps are printed in).
if [ "${1:-}" = "--tests" ]; then
  command -v strace >/dev/null 2>&1 || need+=(strace)
  command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdfinfo >/dev/null 2>&1 || need+=(poppler-utils)
  /usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1 || need+=(python3-openpyxl)
  QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || need+=(qgis python3-qgis)
  dpkg-query -W -f='${Status}' fonts-wqy-microhei 2>/dev/null | grep -q "ok installed" || need+=(fonts-wqy-microhei)
  python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
fi

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "landcons needs GDAL >= 3.6 with headers (libgdal-dev), gdal-bin, SQLite >= 3.34 with headers (libsqlite3-dev), pkg-config, cmake and a C++ compiler." >&2
    echo "Install them with your system's package manager (e.g. 'brew install gdal sqlite pkg-config'," >&2
    echo "'dnf install gdal-devel gdal sqlite-devel pkgconf'), then run this again." >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# `--tests`: a virtualenv of the Python clients the tests read results with beside GDAL's
# own tools (pyogrio carries a recent GDAL of its own, as QGIS and geopandas users have),
# and the reference computations' shapely and geopandas.
if [ "${1:-}" = "--tests" ]; then
  venv="$(dirname "$0")/../target/test-venv"
  # shapely, geopandas, pandas: the reference computations (scripts/*_reference.py).
  # pip through the venv's python: a venv copied from another checkout keeps that
  # checkout's path in bin/pip's first line.
  if ! "$venv/bin/python" -c "import pyogrio, geopandas, shapely, pandas" >/dev/null 2>&1; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q pyogrio geopandas shapely pandas
  fi
  # pandas and openpyxl: the 用地结构调整表's reference sums and the workbook read back.
  if ! "$venv/bin/python" -c "import pandas, openpyxl" >/dev/null 2>&1; then
    "$venv/bin/pip" install -q pandas openpyxl
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
