#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only if missing.
# usage: scripts/deps.sh [coverage|bench|ns3-mpi]  (coverage: also llvm-cov/llvm-profdata,
#                                           for make coverage only; bench: also
#                                           nftables, ethtool, ab and nginx, for make bench;
#                                           ns3-mpi: openmpi and dpkg-dev, for make ns3-mpi)
set -euo pipefail
pkgs=(cmake make gcc clang pkg-config libcmocka-dev libclang-rt-14-dev python3-pytest python3-pytest-timeout python3-scapy
      tshark socat iputils-ping arping iperf3 iproute2 netcat-openbsd curl procps wget
      libcjson-dev  # libcjson-dev: serve --iperf3 (optional at build time)
      liburing-dev  # liburing-dev: the TAP/TUN driver's io_uring rings (required)
      dnsmasq-base  # dnsmasq-base: the name server of the DNS interop tests
      radvd         # radvd: the Router Advertisements of the SLAAC interop test
      ethtool       # ethtool: veth offloads off (the TSO interop test, bench/loss.sh)
      g++ libns3-dev libgsl-dev  # ns-3 3.37 (pkg-config): the ustack-ns3 library and its tests
      nginx-light redis-server redis-tools apache2-utils) # programs run over `ustack run`; ab for make bench
if [ "${1:-}" = coverage ]; then
    pkgs+=(llvm)
fi
if [ "${1:-}" = ns3-mpi ]; then
    pkgs+=(openmpi-bin libopenmpi-dev dpkg-dev g++) # scripts/ns3-mpi.sh: ns-3 with MPI from source
fi
if [ "${1:-}" = bench ]; then
    pkgs+=(nftables ethtool) # bench/loss.sh: loss in the namespaces, veth offloads
    pkgs+=(apache2-utils nginx) # bench/queues.sh: ab (connections/s), nginx (Linux's side)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to install: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Installing a server package (nginx, redis) must not start its system
# service: the tests run these programs themselves, in their namespaces.
# invoke-rc.d asks policy-rc.d; exit 101 means "do not start".
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
