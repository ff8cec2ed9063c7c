#!/usr/bin/env bash
# Compares two landcons results folders: every GeoPackage table (sqlite3 dump; the
# registration tables' rows as sets) except the run metadata (gpkg_metadata*,
# gpkg_contents.last_change), and every other file
# byte for byte (the .qgz by the project inside it; manifest.json and report.html excepted: they hold the run's time,
# duration and folder; report.html is compared with those lines removed). Exit 0 when identical.
#   scripts/compare_results.sh OLD_DIR NEW_DIR [GPKG_NAME]
set -euo pipefail
old=$1 new=$2 gpkg=${3:-landcons.gpkg}
status=0

tables() {
  sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'gpkg_metadata%' AND name NOT LIKE 'sqlite_%' AND name <> 'gpkg_contents' ORDER BY name"
}

if ! diff -q <(tables "$old/$gpkg") <(tables "$new/$gpkg") >/dev/null; then
  echo "tables differ:"; diff <(tables "$old/$gpkg") <(tables "$new/$gpkg") || true; status=1
fi
# The GeoPackage's registration tables list the layers in the order they were written,
# which has no meaning: their rows are compared as sets.
dump() {
  case "$2" in
    gpkg_extensions|gpkg_geometry_columns|gpkg_ogr_contents) sqlite3 "$1" ".dump '$2'" | sort ;;
    *) sqlite3 "$1" ".dump '$2'" ;;
  esac
}
for t in $(tables "$old/$gpkg"); do
  if ! cmp -s <(dump "$old/$gpkg" "$t") <(dump "$new/$gpkg" "$t"); then
    echo "table $t differs"; status=1
  fi
done
contents="SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents ORDER BY table_name"
if ! cmp -s <(sqlite3 "$old/$gpkg" "$contents") <(sqlite3 "$new/$gpkg" "$contents"); then
  echo "gpkg_contents differs"; status=1
fi
for f in $(cd "$old" && ls -A | grep -v -e "^$gpkg\$" -e '^manifest.json$' -e '^report.html$' -e '^\.' -e '^current$'); do
  if [ -d "$old/$f" ]; then
    diff -rq "$old/$f" "$new/$f" >/dev/null || { echo "folder $f differs"; status=1; }
  elif [ "${f##*.}" = qgz ]; then
    # The QGIS project: the .qgs inside, whatever ZIP writer packed it.
    cmp -s <(unzip -p "$old/$f") <(unzip -p "$new/$f") || { echo "file $f differs"; status=1; }
  elif ! cmp -s "$old/$f" "$new/$f"; then echo "file $f differs"; status=1; fi
done
# report.html: every line but the run's start time, duration and output folder.
report_body() {
  sed 's/></>\n</g' "$1" | awk '/^<dt>(开始时间|运行时长|输出目录)<\/dt>$/ { skip = 1; next }
    skip { skip = 0; next } /运行报告 · / { next } { print }'
}
if [ -f "$old/report.html" ] && ! cmp -s <(report_body "$old/report.html") <(report_body "$new/report.html"); then
  echo "report.html differs"; status=1
fi
[ $status -eq 0 ] && echo "identical (less run metadata)"
exit $status
