#!/bin/bash
# The planner on routes read live from ibsim after OpenSM's ftree sweep, on
# a 64-host fat tree whose host names do not follow the cabling:
#  - a job of every other leaf's hosts, listed by name (which interleaves
#    leaves): the plan reaches its bound of 1 and `fabtopo analyze` of the
#    planned hostfile agrees (1 flow on the busiest link), while the name
#    order puts more on one link;
#  - the busiest inter-switch link of that plan congested: the new plan
#    does not use it;
#  - bad input: unknown host, a host twice, an empty hostfile.
# usage: test_plan_live.sh FABTOPO
set -u
. "$(dirname "$0")/../sim/simlib.sh"
sim_require
FABTOPO=$1
sim_workdir
W=$SIM_WORK

"$FABTOPO" gen ft2 --hosts 64 --radix 16 --shuffle-names --seed 3 -o "$W/f.net" ||
    sim_fail "gen failed"
# shellcheck disable=SC2046
sim_start "$W/f.net" $(sim_limits "$W/f.net")
sim_sm_sweep -R ftree
grep -q "ftree tables configured on all switches" "$SIM_DIR/osm/osm.log" ||
    sim_fail "OpenSM did not run ftree"
sim_run "$FABTOPO" discover -f json -o "$W/live.json" || sim_fail "discover failed"
sim_run "$FABTOPO" lfts --live "$W/live.json" -o "$W/lfts.dump" || sim_fail "lfts --live failed"
sim_stop

# Hosts of the odd leaves, sorted by name (netfile lines: 'Switch ... #
# "leaf01" ...', then '[1] "H-..."[1](...)  # "node064 HCA-1" ...').
awk '/^Switch/ { odd = 0; if ($0 ~ /"leaf[0-9]*[13579]"/) odd = 1; next }
     odd && /HCA-1"/ { sub(/.*# "/, ""); sub(/ HCA-1".*/, ""); print }' "$W/f.net" | sort >"$W/job"
[ "$(wc -l <"$W/job")" -ge 16 ] || sim_fail "job too small: $(wc -l <"$W/job") hosts"

"$FABTOPO" ring "$W/live.json" --lfts "$W/lfts.dump" --hosts "$W/job" >"$W/order" 2>"$W/report" ||
    sim_fail "ring failed: $(cat "$W/report")"
grep -q "lower bound 1.000: optimal" "$W/report" || sim_fail "plan not optimal: $(cat "$W/report")"
[ "$(sort "$W/order")" = "$(cat "$W/job")" ] || sim_fail "the order is not the job's hosts"
max_flows() {
    "$FABTOPO" analyze "$W/live.json" --lfts "$W/lfts.dump" -p "ring:$1" -j |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["max_flows"])'
}
[ "$(max_flows "$W/order")" = 1 ] || sim_fail "analyze sees more than 1 flow on a link"
by_name=$(max_flows "$W/job")
[ "$by_name" -gt 1 ] || sim_fail "name order was already optimal ($by_name): weak test"
echo "planned order: 1 flow per link; name order: $by_name"

# Congest the plan's busiest switch-to-switch link and plan again.
"$FABTOPO" ring "$W/live.json" --lfts "$W/lfts.dump" --hosts "$W/job" --json >"$W/plan.json" ||
    sim_fail "ring --json failed"
python3 - "$W/plan.json" "$W/cong" <<'PY' || sim_fail "no inter-switch link in the plan"
import json, sys
plan = json.load(open(sys.argv[1]))
isl = [l for l in plan["links"] if "HCA" not in l["from_desc"] and "HCA" not in l["to_desc"]]
l = isl[0]
open(sys.argv[2], "w").write('%s %d 0.1\n' % (l["from"], l["from_port"]))
print("congested", l["from_desc"], l["from_port"], "->", l["to_desc"])
PY
"$FABTOPO" ring "$W/live.json" --lfts "$W/lfts.dump" --hosts "$W/job" --congestion "$W/cong" \
    --json >"$W/plan2.json" || sim_fail "ring with congestion failed"
python3 - "$W/plan2.json" "$W/cong" <<'PY' || sim_fail "the plan crosses the congested link"
import json, sys
plan = json.load(open(sys.argv[1]))
guid, port, _ = open(sys.argv[2]).read().split()
assert plan["optimal"] and abs(plan["max_load"] - 1) < 1e-9, plan["max_load"]
assert not [l for l in plan["links"] if l["from"] == guid and l["from_port"] == int(port)]
PY

# Bad input: clear errors, exit 1.
expect_error() { # TEXT HOSTFILE-CONTENT
    printf '%s' "$2" >"$W/bad"
    if "$FABTOPO" ring "$W/live.json" --lfts "$W/lfts.dump" --hosts "$W/bad" >/dev/null 2>"$W/err"; then
        sim_fail "accepted a hostfile with $1"
    fi
    grep -q "$1" "$W/err" || sim_fail "error for '$1' was: $(cat "$W/err")"
}
first=$(head -1 "$W/job")
expect_error "unknown host" "nosuchhost
"
expect_error "$first" "$first
$first
"
expect_error "no hosts" "# nothing
"
echo "PASS"
