# Shared set-up of the benchmark scripts (sourced from the repository root): the GDAL
# set-up, GNU time and a virtualenv with the peer tools, the release build, and helpers
# to make a synthetic region and to time a command.
bash scripts/setup.sh
# GNU time (peak memory) and venv support for the peers' virtualenv, from Debian when missing.
if ! [ -x /usr/bin/time ] || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time python3-venv >/dev/null
fi
WORK=${WORK:-target/bench}
COLS=${COLS:-6000}
ROWS=${ROWS:-5000}
PARCELS=${PARCELS:-200000}
VENV=${VENV:-$WORK/venv}
cargo build --release -q
BIN=$PWD/target/release/landcons
mkdir -p "$WORK"
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q exactextract geopandas shapely; }

region() { # cols rows parcels -> folder with dem.tif, dltb.gpkg, bench.toml
  local dir=$WORK/region_$1x$2_$3
  [ -f "$dir/dltb.gpkg" ] || "$BIN" synth -q -o "$dir" --cols "$1" --rows "$2" --parcels "$3"
  printf '[inputs]\ndem = ["dem.tif"]\nparcels = "dltb.gpkg"\n[output]\ndir = "out"\n' > "$dir/bench.toml"
  echo "$dir"
}
timed() { # label command... -> "seconds peakKB" in $WORK/$label.time, stdout in $WORK/$label.out
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$label.time" "$@" > "$WORK/$label.out"
}
