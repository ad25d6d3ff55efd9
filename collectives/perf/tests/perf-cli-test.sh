#!/bin/sh
# fcoll-perf's command line and output: usage errors exit 2, a single rank
# runs without a launcher, the table and --json carry nccl-tests' fields.
set -u
perf=$1
fail=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then
        echo "ok   $1"
    else
        echo "FAIL $1: expected '$2', got '$3'"
        fail=1
    fi
}

"$perf" -h >/dev/null
check "help" 0 $?
for bad in "nosuchcoll" "-t 2" "-g 4" "-b 1M -e 1K" "-d float128" "-o xor" "-b 12Q" "-a 7" "-R 2"; do
    # shellcheck disable=SC2086
    "$perf" $bad >/dev/null 2>&1
    check "rejects '$bad'" 2 $?
done
"$perf" -r 3 -n 1 -w 0 -b 8 -e 8 broadcast >/dev/null 2>&1
check "root out of range" 2 $?

out=$("$perf" all_reduce_perf -b 8 -e 64 -f 2 -n 2 -w 1 -d all -o all)
check "single rank, every type and op" 0 $?
check "table rows (10 types x 5 ops x 4 sizes)" 200 "$(echo "$out" | grep -cv '^#')"
check "table says OK" 1 "$(echo "$out" | grep -c 'Out of bounds values : 0 OK')"
row=$(echo "$out" | grep -v '^#' | head -n 1)
check "row fields" "8 8 int8 sum -1" "$(echo "$row" | awk '{ print $1, $2, $3, $4, $5 }')"

# sendrecv on one rank sends to itself (nccl-tests' sendrecv_perf -g 1).
out=$("$perf" sendrecv -b 8 -e 1M -f 32 -n 2 -w 1 -d all)
check "single rank sendrecv, every type" 0 $?
check "sendrecv rows (10 types x 4 sizes)" 40 "$(echo "$out" | grep -cv '^#')"
check "sendrecv says OK" 1 "$(echo "$out" | grep -c 'Out of bounds values : 0 OK')"

# -R 1: buffers from fcoll_mem_alloc, every collective still exact.
out=$("$perf" all -b 8 -e 1M -f 128 -n 2 -w 1 -R 1)
check "registered buffers (-R 1)" 0 $?
check "-R 1 in the header" 1 "$(echo "$out" | grep -c 'local_register: 1')"
check "-R 1 says OK" 1 "$(echo "$out" | grep -c 'Out of bounds values : 0 OK')"

json=$("$perf" all --json -b 64 -e 64 -n 1 -w 0)
check "json run" 0 $?
check "json rows" 7 "$(echo "$json" | grep -c '"collective"')"
check "json no wrong" 1 "$(echo "$json" | grep -c '"wrong": 0}$')"
if command -v python3 >/dev/null; then
    echo "$json" | python3 -m json.tool >/dev/null
    check "json parses" 0 $?
fi
exit $fail
