#!/bin/sh
# fcoll-run: environment per rank, worst exit status, stopping the other
# ranks when one fails, forwarding signals, SIGKILL after the grace period.
set -u
run=$1
fail=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then
        echo "ok   $1"
    else
        echo "FAIL $1: expected '$2', got '$3'"
        fail=1
    fi
}

out=$("$run" -n 3 sh -c 'echo "$RANK/$WORLD_SIZE $LOCAL_RANK/$LOCAL_WORLD_SIZE $MASTER_ADDR"' | sort | tr '\n' ' ')
check "environment" "0/3 0/3 127.0.0.1 1/3 1/3 127.0.0.1 2/3 2/3 127.0.0.1 " "$out"

port=$("$run" -n 1 sh -c 'echo $MASTER_PORT')
[ "$port" -gt 0 ] 2>/dev/null && [ "$port" -lt 65536 ]
check "free port" 0 $?

# Rank 1 fails first; the others exit with their rank number on SIGTERM.
"$run" -n 4 sh -c 'trap "exit $RANK" TERM; [ "$RANK" = 1 ] && sleep 0.5 && exit 1; sleep 30 & wait' 2>/dev/null
check "worst exit status" 3 $?

"$run" -n 1 /nonexistent/command 2>/dev/null
check "command not found" 127 $?

# Rank 1 fails; rank 0 would sleep for 30 s unless it is stopped.
start=$(date +%s)
"$run" -n 2 sh -c '[ "$RANK" = 1 ] && exit 7; sleep 30' 2>/dev/null
check "failure stops the others" 7 $?
check "stopped promptly" 1 $(($(date +%s) - start < 10))

# Rank 0 ignores SIGTERM (and so does its sleep): only SIGKILL ends it.
start=$(date +%s)
"$run" -n 2 -g 1 sh -c 'trap "" TERM; [ "$RANK" = 1 ] && exit 5; sleep 30' 2>/dev/null
check "SIGKILL after grace" 5 $?
check "killed promptly" 1 $(($(date +%s) - start < 10))

# A signal to fcoll-run reaches every rank; their statuses count.
"$run" -n 2 sh -c 'trap "exit 42" TERM; sleep 30 & wait' &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
check "signal forwarded" 42 $?

exit $fail
