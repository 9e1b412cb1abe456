# shellcheck shell=bash
# Shell functions shared by bench/tcp.sh and bench/loss.sh (sourced, not run).
#
# The caller sets TMP (a directory for the programs' outputs: NAME.out and
# NAME.err) before starting anything, and calls bench_cleanup from its EXIT
# trap. At most one server and one client run at a time; their PIDs live in
# SERVER_PID and CLIENT_PID, so that cleanup stops exactly those processes.
# start_server and run_client do not exit on failure: they return non-zero
# with the reason in BENCH_ERR, and the caller decides (tcp.sh dies, loss.sh
# reports the cell as failed and goes on).

# The addresses (documentation ranges only, inside the namespaces): ustack
# and Linux on the TAP, the two ends of the veth pair.
U_ADDR=203.0.113.2
H_ADDR=203.0.113.1
A_ADDR=198.51.100.1
B_ADDR=198.51.100.2
# A new server port for every run: a 4-tuple still in TIME-WAIT from an
# earlier run would cost a SYN retransmission (1 s) when reused.
PORT=5000
next_port() { PORT=$((PORT + 1)); }

SERVER_PID= # the one server running, if any
CLIENT_PID= # the one client running, if any
BENCH_ERR=  # why the last start_server / run_client failed

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# stop_pid PID: TERM, then KILL after 2 s; reaps it.
stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# bench_cleanup NS...: stops the server and the client still running (only
# those not yet reaped: a reaped PID may belong to someone else) and
# deletes the namespaces (with everything in them: devices, nft tables).
bench_cleanup() {
    [ -z "$CLIENT_PID" ] || stop_pid "$CLIENT_PID"
    [ -z "$SERVER_PID" ] || stop_pid "$SERVER_PID"
    CLIENT_PID=
    SERVER_PID=
    local ns
    for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
}

# bench_veth NS_A NS_B ADDR_A ADDR_B: two new namespaces joined by a veth
# pair (veth0 in each), addresses /24, loopback up.
bench_veth() {
    local a=$1 b=$2 ns
    ip netns add "$a"
    ip netns add "$b"
    in_ns "$a" ip link add veth0 type veth peer name veth0 netns "$b"
    for ns in "$a" "$b"; do in_ns "$ns" ip link set lo up; done
    in_ns "$a" ip addr add "$3/24" dev veth0
    in_ns "$b" ip addr add "$4/24" dev veth0
    in_ns "$a" ip link set veth0 up
    in_ns "$b" ip link set veth0 up
}

# start_server NAME NS CMD...: starts a server in the background and waits
# (with a deadline) until it prints "ready". Its PID goes into SERVER_PID.
start_server() {
    local name=$1 ns=$2 rc=0; shift 2
    # not through in_ns: "func &" would fork a subshell, and killing that
    # PID would leave the server running
    ip netns exec "$ns" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SERVER_PID=$!
    for _ in $(seq 250); do
        grep -q '^ready' "$TMP/$name.out" 2>/dev/null && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" || rc=$?
            SERVER_PID=
            BENCH_ERR="$name exited (status $rc): $(tail -n 3 "$TMP/$name.err" | tr '\n' ' ')"
            return 1
        fi
        sleep 0.02
    done
    stop_server
    BENCH_ERR="$name not ready after 5 s"
    return 1
}

# run_client NAME NS SECS CMD...: runs a client to completion, bounded by
# timeout(1) after SECS (exit status 124 then). In the background and waited
# for, so that cleanup can stop it too (timeout passes the TERM on).
run_client() {
    local name=$1 ns=$2 secs=$3 pid rc=0; shift 3
    ip netns exec "$ns" timeout "$secs" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    CLIENT_PID=$pid
    wait "$pid" || rc=$?
    CLIENT_PID=
    [ "$rc" -eq 0 ] ||
        BENCH_ERR="$name failed (exit $rc): $(tail -n 3 "$TMP/$name.err" | tr '\n' ' ')"
    return "$rc"
}

stop_server() {
    [ -z "$SERVER_PID" ] || stop_pid "$SERVER_PID"
    SERVER_PID=
}

# wait_server [TICKS]: waits (bounded: TICKS x 20 ms, default 10 s) for a
# server that ends by itself, then stops it if it did not.
wait_server() {
    for _ in $(seq "${1:-500}"); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.02; done
    stop_server
}

# line_field NAME PREFIX KEY: the value of KEY=... in the last line of
# NAME's output that starts with PREFIX (empty if none).
line_field() {
    sed -n "s/^$2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$TMP/$1.out" 2>/dev/null | tail -n 1
}

# field NAME KEY: the value of KEY=... in the "result" line of NAME's output.
field() { line_field "$1" result "$2"; }
