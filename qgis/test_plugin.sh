#!/usr/bin/env bash
# Proves the landcons Processing plugin works in QGIS 3.22 without a desktop:
#  1. builds the plugin zip (scripts/build_qgis_plugin.sh) and unpacks it as the
#     plugin manager would, into a throwaway folder on QGIS_PLUGINPATH;
#  2. in a throwaway profile (QGIS_CUSTOM_CONFIG_PATH), enables it with
#     `qgis_process.bin plugins enable landcons_processing`;
#  3. `qgis_process.bin list` shows landcons:run, landcons:validate, landcons:diff;
#  4. runs validate, run and diff on the demo pipeline through qgis_process (exit 0,
#     the GeoPackage reported), and a failing validate and a missing program (exit
#     non-zero, with landcons's message / how to set LANDCONS_BIN);
#  5. in-process (processing.run): the event handling against stand-in programs
#     (progress, warnings, error events, exit codes, plain-text logs, cancelling) and
#     that a run's layers are added to the project with their default styles.
#
#   qgis/test_plugin.sh            LANDCONS_BIN defaults to target/release/landcons
#
# Exits 0 when all passed, 1 on a failure, 77 when QGIS is not installed
# (apt-get install qgis python3-qgis). Leaves nothing behind.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
QGIS_PROCESS=/usr/bin/qgis_process.bin   # the qgis_process wrapper script fails under /etc/default/qgis
if [[ ! -x $QGIS_PROCESS ]] || ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
    echo "SKIPPED: QGIS is not installed (apt-get install qgis python3-qgis)"
    exit 77
fi
export LANDCONS_BIN="${LANDCONS_BIN:-$repo/target/release/landcons}"
[[ -x $LANDCONS_BIN ]] || { echo "FAIL: no landcons program at $LANDCONS_BIN (cargo build --release)"; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$tmp/xdg" PYTHONDONTWRITEBYTECODE=1
export QGIS_CUSTOM_CONFIG_PATH="$tmp/profile" QGIS_PLUGINPATH="$tmp/plugins"
mkdir -m 700 "$tmp/xdg" "$tmp/plugins"
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# qp NAME ARGS...: runs qgis_process, output in $tmp/NAME.out, returns its exit code
qp() { local name=$1; shift; "$QGIS_PROCESS" "$@" >"$tmp/$name.out" 2>&1; }

"$repo/scripts/build_qgis_plugin.sh" "$tmp/landcons_processing.zip" >/dev/null || { echo "FAIL: build"; exit 1; }
/usr/bin/python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
    "$tmp/landcons_processing.zip" "$tmp/plugins"

if qp enable plugins enable landcons_processing && grep -q "landcons_processing=true" "$tmp/profile/profiles/default/QGIS/QGIS3.ini"; then
    pass "plugins enable landcons_processing (PythonPlugins/landcons_processing=true in the throwaway profile)"
else
    fail "plugins enable: $(cat "$tmp/enable.out")"
fi

qp list list
for alg in landcons:run landcons:validate landcons:diff; do
    grep -q "$alg" "$tmp/list.out" && pass "list shows $alg" || fail "list lacks $alg"
done

if qp validate run landcons:validate -- "PIPELINE=$repo/pipelines/demo.toml" && grep -q "is valid" "$tmp/validate.out"; then
    pass "landcons:validate on the demo pipeline: exit 0"
else
    fail "landcons:validate: $(tail -20 "$tmp/validate.out")"
fi

out="$tmp/results"
if qp run --json run landcons:run -- "PIPELINE=$repo/pipelines/demo.toml" "OUT=$out" "SET=terrain.algorithm=horn;reforestation.rule=dominant-grade" THREADS=2 \
    && /usr/bin/python3 - "$tmp/run.out" "$out" <<'PY'
import json, os, sys
text = open(sys.argv[1], encoding="utf-8").read()
res = json.loads(text[text.index("{"):])["results"]
assert res["OUTPUT_GPKG"] == os.path.join(sys.argv[2], "landcons.gpkg"), res
assert os.path.isfile(res["OUTPUT_GPKG"]) and res["OUTPUT_FOLDER"] == sys.argv[2], res
PY
then
    pass "landcons:run on the demo pipeline: exit 0, OUTPUT_GPKG reported and written"
else
    fail "landcons:run: $(tail -30 "$tmp/run.out")"
fi

if qp diff run landcons:diff -- "OLD=$out" "NEW=$out" "OUT=$tmp/changes.gpkg" && [[ -f $tmp/changes.gpkg ]]; then
    pass "landcons:diff: exit 0, change layers written"
else
    fail "landcons:diff: $(tail -20 "$tmp/diff.out")"
fi

if ! qp badset run landcons:validate -- "PIPELINE=$repo/pipelines/demo.toml" "SET=terrain.algorithm=bogus" \
    && grep -q "unknown variant" "$tmp/badset.out"; then
    pass "a bad override fails with landcons's message"
else
    fail "bad override: $(tail -20 "$tmp/badset.out")"
fi

if ! LANDCONS_BIN=/nonexistent/landcons qp nobin run landcons:validate -- "PIPELINE=$repo/pipelines/demo.toml" \
    && grep -q "LANDCONS_BIN" "$tmp/nobin.out"; then
    pass "a missing program fails saying how to set LANDCONS_BIN"
else
    fail "missing program: $(tail -20 "$tmp/nobin.out")"
fi

# --- in-process: events against stand-in programs, layers loaded with styles --------
fake() {  # fake NAME: a stand-in landcons whose script is read from stdin
    { echo '#!/usr/bin/env bash'; cat; } >"$tmp/$1"
    chmod +x "$tmp/$1"
}
fake events <<EOF
e() { echo "\$1" >&2; }
e '{"event":"stage_started","stage":"zonal"}'
e '{"event":"progress","stage":"zonal","done":120,"total":1000,"percent":12.0,"overall_percent":40.0}'
e '{"event":"progress","stage":"zonal","done":500,"total":1000,"percent":50.0}'
e '{"event":"warning","message":"村 X 没有耕地"}'
e '{"timestamp":"t","level":"INFO","fields":{"message":"wrote layer","layer":"parcels"}}'
e 'a plain line'
e '{"event":"stage_finished","stage":"zonal","seconds":1.2}'
e '{"event":"run_finished","status":"success","outputs":{"gpkg":"$out/landcons.gpkg","folder":"$out"},"counts":{"parcels":3},"warnings":["w2"]}'
EOF
fake error <<'EOF'
echo '{"event":"error","code":2,"message":"坏的设置 bad setting"}' >&2; exit 2
EOF
fake exitcode <<'EOF'
echo 'Error: something broke' >&2; exit 3
EOF
fake plain <<EOF
echo 'INFO started stage=terrain' >&2
printf 'landcons: summary\noutputs in $out:\n  landcons.gpkg\n  slope.tif\n'
EOF
fake sleeper <<EOF
echo \$\$ >"$tmp/sleeper.pid"
echo '{"event":"stage_started","stage":"terrain"}' >&2; exec sleep 30
EOF

REAL_LANDCONS_BIN="$LANDCONS_BIN" /usr/bin/python3 - "$repo/qgis" "$tmp" "$out" <<'PY' || failures=$((failures + 1))
import os, sys, threading, time
plugin_dir, tmp, out = sys.argv[1:4]
sys.path[:0] = ["/usr/share/qgis/python/plugins", plugin_dir]
from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingFeedback, QgsProject
app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import processing
import landcons_processing
plugin = landcons_processing.classFactory(None)  # kept: the provider lives in it
plugin.initProcessing()
failed = []


class Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.log = {"progress": [], "info": [], "warning": [], "error": [], "console": []}

    def setProgress(self, p):
        self.log["progress"].append(p); super().setProgress(p)

    def pushInfo(self, t): self.log["info"].append(t)
    def pushWarning(self, t): self.log["warning"].append(t)
    def reportError(self, t, fatal=False): self.log["error"].append(t)
    def pushConsoleInfo(self, t): self.log["console"].append(t)


def run(binary, alg="landcons:run", params=None, cancel_after=None, load=False):
    os.environ["LANDCONS_BIN"] = os.path.join(tmp, binary) if not binary.startswith("/") else binary
    fb, error = Feedback(), None
    if cancel_after:
        threading.Timer(cancel_after, fb.cancel).start()
    params = params or {"PIPELINE": os.path.join(plugin_dir, "..", "pipelines", "demo.toml")}
    try:
        res = (processing.runAndLoadResults if load else processing.run)(alg, params, feedback=fb)
    except QgsProcessingException as e:
        res, error = None, str(e)
    return res, fb.log, error


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failed.append(what)


res, log, err = run("events")
check(err is None and res["OUTPUT_GPKG"] == out + "/landcons.gpkg", "run_finished outputs become OUTPUT_GPKG/OUTPUT_FOLDER")
check(40.0 in log["progress"] and 50.0 in log["progress"], "progress: overall_percent, else the stage's percent")
check("村 X 没有耕地" in log["warning"] and "w2" in log["warning"], "warning events and run_finished warnings -> pushWarning")
check(any("wrote layer" in c for c in log["console"]) and "a plain line" in log["console"], "log records and plain lines -> console")
check(any("zonal" in i for i in log["info"]), "stage events -> pushInfo")
res, log, err = run("error")
check(err is not None and "坏的设置 bad setting" in err and any("坏的设置" in e for e in log["error"]), "an error event -> reportError + QgsProcessingException with its message")
res, log, err = run("exitcode")
check(err is not None and "code 3" in err and "something broke" in err, "exit code 3 without an error event -> error naming the code")
res, log, err = run("plain")
check(err is None and res["OUTPUT_GPKG"] == out + "/landcons.gpkg" and res["OUTPUT_FOLDER"] == out, "plain-text logs: outputs read from the stdout summary")
t0 = time.time()
res, log, err = run("sleeper", cancel_after=1.0)
check(err is not None and "cancel" in err.lower() and time.time() - t0 < 15, "cancelling stops landcons (%.1f s)" % (time.time() - t0))
with open(os.path.join(tmp, "sleeper.pid")) as f:
    pid = f.read().strip()
check(not os.path.exists("/proc/" + pid), "the stopped landcons (pid %s) is gone" % pid)
real = os.environ.get("REAL_LANDCONS_BIN")
res, log, err = run(real, params={"PIPELINE": os.path.join(plugin_dir, "..", "pipelines", "demo.toml"), "OUT": out}, load=True)
layers = {l.layer().name(): l.layer() for l in QgsProject.instance().layerTreeRoot().findLayers()}
check(err is None and "parcels" in layers and layers["parcels"].renderer().type() == "categorizedSymbol",
      "a run's layers are added to the project with their default styles (parcels: %s)"
      % (layers["parcels"].renderer().type() if "parcels" in layers else None))
names = [n.name() for n in QgsProject.instance().layerTreeRoot().findLayers()]
check(names.index("reforestation_candidates") < names.index("parcels"), "candidates above parcels: %s" % names)
sys.stdout.flush()
os._exit(1 if failed else 0)
PY

if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all QGIS plugin checks passed"
