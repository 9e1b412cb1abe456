#!/usr/bin/env bash
# make ns3-mpi: ns-3 3.37 with MPI from Debian's source package, then the
# ustack dumbbell under `mpirun -np 1` and `-np 2`, which must print the same
# per-node frame digests.
# usage: scripts/ns3-mpi.sh [--ns3-only] [CACHE]   (CACHE: default build-ns3mpi)
# Debian's libns3-dev is built with --disable-mpi. MPI lives in mpi (the
# distributed simulator, MpiInterface) and point-to-point (the remote channel
# and its helper); core and network are rebuilt with them so the four come
# from one build, into CACHE/install (release profile, so the libraries keep
# Debian's names and ABI; the other modules are Debian's).
# The compile is long on a shared machine: it runs under nice, its output goes
# to CACHE/ns3-build.log, and it is skipped once CACHE/install/.done exists.
# NS3MPI_JOBS sets the parallelism (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ns3_only=0
[ "${1:-}" = --ns3-only ] && { ns3_only=1; shift; }
cache=$(realpath -m "${1:-$root/build-ns3mpi}")
jobs=${NS3MPI_JOBS:-2}
version=3.37
deb_version=3.37-2
src=$cache/src/ns3-$version/ns-$version
prefix=$cache/install
mkdir -p "$cache/src"

bash "$root/scripts/deps.sh" ns3-mpi

fetch_source() {
    [ -d "$src" ] && return 0
    echo "ns3-mpi: fetching Debian's source package ns3 $deb_version"
    # deb-src only for this download: a temporary sources file, removed after.
    local list=/etc/apt/sources.list.d/ustack-ns3-src.sources
    if [ "$(id -u)" -eq 0 ] && [ ! -e "$list" ]; then
        trap 'rm -f '"$list"'; apt-get update -qq || true' EXIT
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$list"
        apt-get update -qq
        (cd "$cache/src" && apt-get source -qq "ns3=$deb_version") || true
        rm -f "$list"; trap - EXIT; apt-get update -qq || true
    fi
    if [ ! -d "$src" ]; then  # no root or no deb-src: the same files from the pool
        local pool=http://deb.debian.org/debian/pool/main/n/ns3
        (cd "$cache/src" &&
         for f in "ns3_$deb_version.dsc" "ns3_$version.orig.tar.bz2" "ns3_$deb_version.debian.tar.xz"; do
             wget -q -O "$f" "$pool/$f"
         done && dpkg-source -x "ns3_$deb_version.dsc" "ns3-$version")
    fi
    [ -d "$src" ] || { echo "ns3-mpi: cannot get the ns3 source package" >&2; exit 1; }
}

build_ns3() {
    [ -f "$prefix/.done" ] && return 0
    echo "ns3-mpi: building ns-3 $version core, network, point-to-point and mpi with MPI at -j$jobs (nice 19); log in $cache/ns3-build.log"
    local t0; t0=$(date +%s)
    cmake -S "$src" -B "$cache/ns3-build" -DCMAKE_BUILD_TYPE=Release \
        -DNS3_MPI=ON -DNS3_ENABLED_MODULES="core;network;point-to-point;mpi;internet;traffic-control" \
        -DNS3_EXAMPLES=OFF -DNS3_TESTS=OFF -DNS3_PYTHON_BINDINGS=OFF -DNS3_GTK3=OFF -DNS3_SQLITE=OFF \
        -DNS3_WARNINGS_AS_ERRORS=OFF -DNS3_EMU=OFF -DNS3_TAP=OFF \
        -DCMAKE_INSTALL_PREFIX="$prefix" >>"$cache/ns3-build.log" 2>&1 ||
        { tail -30 "$cache/ns3-build.log"; exit 1; }
    # Configured with internet and traffic-control too (their headers come
    # along), but only the four modules MPI touches are compiled; internet,
    # traffic-control and the rest stay Debian's (same source, same ABI: core and network do not
    # change with MPI), loaded against these through LD_LIBRARY_PATH.
    nice -n 19 cmake --build "$cache/ns3-build" -j "$jobs" --target libpoint-to-point libmpi \
        >>"$cache/ns3-build.log" 2>&1 || { tail -30 "$cache/ns3-build.log"; exit 1; }
    # A partial install: the headers of the build tree, the four libraries
    # and their pkg-config files (ns3-internet etc. come from libns3-dev).
    local out=$src/build
    rm -rf "$prefix" && mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
    cp -r "$out/include/ns3" "$prefix/include/"
    for m in core network point-to-point mpi; do
        cp -P "$out"/lib/libns3-"$m".so* "$prefix/lib/"
        cp "$cache/ns3-build/pkgconfig/ns3-$m.pc" "$prefix/lib/pkgconfig/"
    done
    echo "$(( $(date +%s) - t0 ))" >"$prefix/build-seconds"
    touch "$prefix/.done"
    echo "ns3-mpi: ns-3 built in $(( ($(date +%s) - t0) / 60 )) min"
}

fetch_source
build_ns3
[ "$ns3_only" = 1 ] && exit 0

# ---- the dumbbell against the MPI build ------------------------------------
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ub=$cache/ustack
echo "ns3-mpi: building ns3_dumbbell with MPI in $ub"
cmake -S "$root" -B "$ub" -DCMAKE_BUILD_TYPE=Release -DUSTACK_TESTS=OFF -DUSTACK_NS3_MPI=ON \
    >"$cache/ustack-build.log" 2>&1 || { tail -30 "$cache/ustack-build.log"; exit 1; }
cmake --build "$ub" -j "$jobs" --target ns3_dumbbell >>"$cache/ustack-build.log" 2>&1 ||
    { tail -30 "$cache/ustack-build.log"; exit 1; }
prog=$ub/examples/ns3/ns3_dumbbell

mpi=(mpirun --oversubscribe -x LD_LIBRARY_PATH)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

# Runs the dumbbell on $1 processes with the rest as its options; output
# in $cache/np$1.out.
run_np() {
    local np=$1; shift
    "${mpi[@]}" -np "$np" "$prog" "$@" >"$cache/np$np.out" 2>"$cache/np$np.err" ||
        { cat "$cache/np$np.err" >&2; echo "ns3-mpi: the run with -np $np failed" >&2; exit 1; }
}

args=(--flows=8 --time=2 --queue=codel --loss=0.001 --seed=3 --bench)
fail=0
run_np 1 "${args[@]}"
run_np 2 "${args[@]}"
for np in 1 2; do grep '^digest' "$cache/np$np.out" | sort >"$cache/np$np.digests"; done
n=$(wc -l <"$cache/np1.digests")
if [ "$n" -ne 16 ]; then
    echo "ns3-mpi: FAIL: expected 16 host digests at -np 1, got $n" >&2; fail=1
elif ! cmp -s "$cache/np1.digests" "$cache/np2.digests"; then
    echo "ns3-mpi: FAIL: per-host digests differ between -np 1 and -np 2" >&2
    diff "$cache/np1.digests" "$cache/np2.digests" >&2 || true; fail=1
else
    echo "ns3-mpi: OK: the 16 per-host digests are identical at -np 1 and -np 2"
fi
for np in 1 2; do
    echo "-np $np:"; grep -E '^(flows|bench)' "$cache/np$np.out" | sed 's/^/  /'
done

# A cross-rank link with an MTU above 1500 is refused.
if "${mpi[@]}" -np 2 "$prog" --flows=1 --time=0.1 --mtu=9000 >"$cache/mtu.out" 2>&1; then
    echo "ns3-mpi: FAIL: MTU 9000 across ranks was accepted" >&2; fail=1
elif grep -q "between MPI ranks" "$cache/mtu.out"; then
    echo "ns3-mpi: OK: MTU 9000 on a cross-rank link refused"
else
    echo "ns3-mpi: FAIL: MTU 9000 run failed for another reason:" >&2; tail -5 "$cache/mtu.out" >&2; fail=1
fi

# The cost at -np 1 and -np 2 (this machine has 2 CPUs, shared: no scaling
# is to be expected from it; the figures say what one and two ranks do).
for np in 1 2; do
    run_np "$np" --flows=50 --time=0.2 --access-rate=1Gbps --bottleneck-rate=50Gbps --delay=1ms \
        --queue-size=1000 --buffer=262144 --bench --quiet
    echo "bench -np $np:"; grep '^bench' "$cache/np$np.out" | sed 's/^/  /'
done
[ -f "$prefix/build-seconds" ] && echo "ns3-mpi: the ns-3 build took $(( $(cat "$prefix/build-seconds") / 60 )) min"
exit $fail
