/* ustack — runtime configuration with documented defaults.
 * Every field has a default set by ust_config_default(); change what you
 * need and pass the struct to ust_stack_new(). Capacities that size static
 * tables are compile-time (UST_MAX_*). */
#ifndef USTACK_CONFIG_H
#define USTACK_CONFIG_H

#include "export.h"
#include "types.h"

#define UST_MAX_DEVS 16        /* devices per stack */
#define UST_MAX_IFACES 16      /* IPv4 interfaces per stack */
#define UST_MAX_ROUTES 64      /* routing table entries */
#define UST_DEFAULT_TTL 64     /* cfg.ip_default_ttl default */
#define UST_MAX_ADDRS6 8       /* IPv6 addresses per interface (link-local included) */
#define UST_RA_MAX_ROUTES 32   /* RFC 4191 routes per interface (cfg.ipv6_ra_max_routes) */
#define UST_RA_MAX_DNS 8       /* RFC 8106 servers / names per interface (ipv6_ra_max_dns) */

struct ust_config {
    uint64_t seed;                  /* PRNG seed (default 1): same seed, same run */

    /* ARP (RFC 826, RFC 1122 2.3.2) */
    ust_time_t arp_reachable_time;  /* entry REACHABLE -> STALE after (30 s) */
    ust_time_t arp_stale_time;      /* STALE entry removed after (60 s) */
    ust_time_t arp_retry_interval;  /* request retransmission interval (1 s); also
                                       the per-address request rate limit */
    unsigned arp_max_requests;      /* requests before giving up (3) */
    unsigned arp_request_copies;    /* frames sent back to back for each request
                                       (1; 0 counts as 1, more than 4 as 4). One stack per queue of
                                       a multi-queue TAP (serve --queues N) sends
                                       2: Linux's tun driver answers a request
                                       through the queue that wrote the previous
                                       ARP frame, so only the second copy's reply
                                       is sure to come back to the asking stack */
    unsigned arp_queue_len;         /* packets held per unresolved entry (64): enough
                                       for the 45 fragments of a 65535-byte datagram,
                                       so a first large send is not lost to ARP */
    unsigned arp_max_entries;       /* neighbour cache capacity (256) */

    /* Devices */
    unsigned dev_fault_queue_len;   /* frames the fault injector (ust_dev_faults_set)
                                       holds per direction for delay, jitter and
                                       reordering (2048); a frame that finds it full
                                       is dropped (link counter fault_queue_drops) */
    unsigned tap_rx_batch;          /* TAP/TUN reads per io_uring submission at most
                                       (32, up to 256; each has a receive buffer of
                                       the largest frame): a burst of frames costs one
                                       system call per batch (link counters rx_uring,
                                       rx_uring_calls); 0 or 1: one read() per frame,
                                       as on kernels that refuse io_uring */
    bool tap_tx_sqpoll;             /* the TAP/TUN transmit ring has a kernel polling
                                       thread (io_uring SQPOLL) that takes bursts on
                                       another CPU; false (the default): one
                                       io_uring_enter per burst, the kernel's work in
                                       our thread (as fast on 2 CPUs, half the CPU
                                       time: ARCHITECTURE.md, "Transmit bursts and
                                       receive batches"); a thread allowed one CPU
                                       gets no polling thread */
    bool tap_napi;                  /* TAP/TUN devices are opened with IFF_NAPI: Linux
                                       queues each frame we write for the device's
                                       NAPI poll (batches of up to 64) instead of
                                       running its receive path inside the write.
                                       With the device's NAPI threaded
                                       (/sys/class/net/DEV/threaded) that poll is a
                                       kernel thread, which can run on another CPU
                                       (ARCHITECTURE.md, "Transmit bursts"). false
                                       (the default): the write runs it. A kernel
                                       that refuses the flag gets a plain device */
    unsigned busy_poll_us;          /* the event loop polls its descriptors this long
                                       (microseconds) before it sleeps, as Linux's
                                       SO_BUSY_POLL: lower latency for a CPU spent
                                       spinning (0: sleep at once) */
    unsigned busy_poll_auto_us;     /* with busy_poll_us 0: the event loop polls this
                                       long before sleeping while frames come in
                                       quick succession, i.e. its last sleep was
                                       ended by a descriptor within 4 times this
                                       long or its last poll found one (50; 0: never).
                                       A sender on a sub-millisecond path then takes
                                       its ACKs without a wake-up each round trip;
                                       an idle or slow exchange never spins */
    bool dev_offload;               /* TAP/TUN devices opened afterwards carry a
                                       virtio_net_hdr (IFF_VNET_HDR) and ask the kernel
                                       for TCP segmentation and checksum offloads (true);
                                       a kernel that refuses gets plain frames (link
                                       counter offload_refused) */
    bool dev_offload_tso;           /* with dev_offload: ask for TCP segmentation too
                                       (true); false: checksum offload only, one
                                       segment per frame either way (the TAP's Linux
                                       side then has no TSO, as `ethtool -K tso off`) */

    /* IPv4 */
    uint8_t ip_default_ttl;         /* 64; 0 is replaced by 64 (RFC 1122 3.2.1.7:
                                       never send TTL 0) */
    bool ip_forwarding;             /* router mode (false; RFC 1122 3.1 default off) */
    bool ip_accept_source_route;    /* accept received LSRR/SSRR options (false, as
                                       Linux accept_source_route=0; RFC 7126 4.3-4.4):
                                       off, such datagrams are dropped (InSrcRtDrops),
                                       never followed nor reversed into replies; on,
                                       RFC 1122 3.2.1.8c: a completed route is handed
                                       up and reversed for echo replies and TCP */
    ust_time_t ip_reasm_timeout;    /* reassembly timeout (30 s) */
    size_t ip_reasm_mem_max;        /* bytes held by all reassemblies (256 KiB) */
    unsigned ip_reasm_max;          /* datagrams being reassembled at once (64) */
    unsigned ip_min_pmtu;           /* floor of the path MTU (552, as Linux min_pmtu):
                                       an ICMP fragmentation-needed never lowers it
                                       further (RFC 1191 allows down to 68, which a
                                       forged message could use to cripple TCP); a
                                       path clamped here is sent without DF so a
                                       smaller real link can still fragment. Below
                                       about 128, TCP's 48-byte minimum MSS no
                                       longer fits such a path */
    ust_time_t ip_gw_retry;         /* a gateway believed dead is tried again after
                                       (60 s; RFC 1122 3.3.1.4) */

    /* IPv6 (issue #13; RFC 8200, RFC 4861, RFC 4862) */
    bool ipv6_enabled;              /* every Ethernet interface gets IPv6 and a
                                       link-local address (true; CLI --no-ipv6) */
    uint8_t ipv6_hop_limit;         /* default Hop Limit (64; 0 is replaced by 64) */
    unsigned ipv6_dad_transmits;    /* DupAddrDetectTransmits (1, RFC 4862 5.1;
                                       0: addresses are used at once, no DAD):
                                       each interface's default, changed per
                                       interface by ust_iface_set_dad_transmits */
    ust_time_t nd_retrans_time;     /* RetransTimer: between NS (1 s, RFC 4861 10) */
    ust_time_t nd_reachable_time;   /* BaseReachableTime (30 s); each entry uses a
                                       random 0.5-1.5 times it (RFC 4861 6.3.2) */
    ust_time_t nd_delay_first_probe;/* DELAY_FIRST_PROBE_TIME (5 s) */
    unsigned nd_max_mcast_solicit;  /* MAX_MULTICAST_SOLICIT (3) */
    unsigned nd_max_ucast_solicit;  /* MAX_UNICAST_SOLICIT (3) */
    unsigned nd_solicit_copies;     /* NS sent back to back for each solicitation
                                       of a neighbour (1; 0 counts as 1, more than 4
                                       as 4). With more than 1, address resolution
                                       sends its multicast NS and then that many to
                                       the target's own address (at the
                                       solicited-node group's MAC). serve --queues N
                                       sets 2: Linux's tun driver steers the NA by
                                       the address pair, so only the NA to the second
                                       unicast copy is sure to reach the asking stack */
    ust_time_t nd_stale_time;       /* an unused STALE entry is removed after
                                       (60 s, as Linux gc_stale_time) */
    unsigned nd_max_entries;        /* neighbour cache capacity (256) */
    unsigned nd_queue_len;          /* packets held per unresolved neighbour (64, as
                                       arp_queue_len: the fragments of a large
                                       datagram; RFC 4861 7.2.2 asks at least 1) */
    ust_time_t ipv6_reasm_timeout;  /* reassembly timeout (60 s, RFC 8200 4.5) */
    size_t ipv6_reasm_mem_max;      /* bytes held by all IPv6 reassemblies (256 KiB) */
    unsigned ipv6_reasm_max;        /* IPv6 datagrams being reassembled at once (64) */
    ust_time_t ipv6_pmtu_expire;    /* a lowered path MTU is forgotten after (10 min,
                                       RFC 8201 5.3) */
    unsigned icmp6_err_rate;        /* ICMPv6 errors per second (100, RFC 4443 2.4 (f)) ... */
    unsigned icmp6_err_burst;       /* ... with this burst (50) */

    /* ICMP */
    unsigned icmp_err_rate;         /* error messages per second (100) ... */
    unsigned icmp_err_burst;        /* ... with this burst (50) */

    /* UDP / sockets */
    uint16_t ephemeral_lo;          /* 49152 */
    uint16_t ephemeral_hi;          /* 65535 */
    size_t udp_rcvbuf;              /* bytes queued per UDP socket (212992) */
    unsigned max_sockets;           /* socket table size (4096) */

    /* TCP (RFC 9293). Times in nanoseconds like every ust_time_t. */
    size_t tcp_sndbuf;              /* initial send buffer per connection (262144) */
    size_t tcp_rcvbuf;              /* initial receive buffer per connection (262144);
                                       also bounds the out-of-order data held */
    /* Buffer autotuning (tcp_autotune.c). A connection's receive buffer
     * grows to about twice what the application read in one receiver RTT
     * (Linux tcp_rcv_space_adjust, "dynamic right-sizing"), its send
     * buffer to twice cwnd (tcp_sndbuf_expand), up to these maxima; a
     * socket whose application set SO_RCVBUF / SO_SNDBUF keeps that size
     * (Linux SOCK_*BUF_LOCK). The initial sizes stay at 256 KiB rather
     * than Linux's 128 KiB / 16 KiB: a ring is allocated only when data
     * arrive, and 256 KiB already fills a LAN path without a resize. A
     * maximum at or below the initial size turns growth off. */
    size_t tcp_rmem_max;            /* largest receive buffer (6 MiB, Linux
                                       tcp_rmem[2]); also sets the window scale
                                       offered (RFC 7323 2.2), so the window can
                                       grow after the SYN */
    size_t tcp_wmem_max;            /* largest send buffer (4 MiB, tcp_wmem[2]) */
    bool tcp_moderate_rcvbuf;       /* receive autotuning on (true, Linux
                                       net.ipv4.tcp_moderate_rcvbuf) */
    size_t tcp_autotune_mem_max;    /* what all connections together may grow
                                       their buffers by beyond the initial
                                       sizes (256 MiB; Linux tcp_mem's
                                       role): past it rings stay as they are
                                       (BufGrowLimited) */
    bool tcp_window_scaling;        /* offer/accept RFC 7323 window scale (true) */
    bool tcp_timestamps;            /* offer/accept RFC 7323 timestamps: RTTM and
                                       PAWS (true) */
    bool tcp_sack;                  /* offer/accept RFC 2018 selective ACKs (true) */
    bool tcp_dsack;                 /* report duplicate data in the first SACK block
                                       (RFC 2883 D-SACK) when SACK was agreed (true) */
    bool tcp_rack;                  /* RFC 8985 RACK-TLP loss detection on connections
                                       that negotiated SACK (true): time-based loss
                                       marks and tail loss probes; false keeps the
                                       duplicate-ACK rules (RFC 5681/6582/6675) */
    ust_time_t tcp_tlp_max_ack_delay; /* RFC 8985 7.2 TLP.max_ack_delay: added to the
                                       probe timeout when one segment is in flight
                                       (200 ms, the worst-case delayed ACK) */
    char tcp_congestion[16];        /* congestion control of new connections:
                                       "newreno" (default, RFC 5681/6582), "cubic"
                                       (RFC 9438) or "bbr" (draft-ietf-ccwg-bbr, BBRv3:
                                       paced, from delivery rate samples; needs SACK
                                       and tcp_rack, else the connection uses cubic,
                                       counted in CcFallbacks) or "bbr1" (bbr with
                                       tcp_bbr_loss_thresh at 1000 whatever it is set
                                       to: loss-agnostic as BBRv1, Linux 6.1's bbr,
                                       whose cwnd adds three send quanta to the BDP);
                                       per socket: TCP_CONGESTION */
    unsigned tcp_ecn;               /* Explicit Congestion Notification (RFC 3168), as
                                       Linux net.ipv4.tcp_ecn: 0 off, 1 request it on
                                       connections we open and accept it on those we
                                       accept, 2 (default) accept it only when the
                                       peer asks; other values act as 2. Per socket:
                                       UST_TCP_ECN before connect/listen */
    unsigned tcp_initial_cwnd;      /* initial window in segments (10, RFC 6928) */
    ust_time_t tcp_rto_initial;     /* RTO before the first sample (1 s, RFC 6298 2.1) */
    ust_time_t tcp_rto_min;         /* lower bound on the RTO (200 ms, as Linux;
                                       RFC 6298 2.4 suggests 1 s, RFC 8961 allows
                                       less). Not lower by default: with RACK-TLP the
                                       RTO is the last resort (tail losses are probed
                                       after max(2 SRTT, 2 ms)), and on a fast path
                                       SRTT + 4 RTTVAR is far below the 40-200 ms a
                                       peer may hold a lone segment's ACK, so a lower
                                       floor means spurious RTOs. Per connection:
                                       UST_TCP_RTO_MIN */
    ust_time_t tcp_rto_max;         /* upper bound on the RTO and on back-off (60 s,
                                       RFC 6298 2.5) */
    unsigned tcp_syn_retries;       /* SYN retransmissions of a connect before giving
                                       up (7: about 4 min, RFC 9293 MUST-23 >= 3 min);
                                       also a simultaneous open's SYN,ACK */
    unsigned tcp_synack_retries;    /* SYN,ACK retransmissions of a listener's
                                       half-open child before it is dropped (5: about
                                       1 min, Linux tcp_synack_retries) */
    unsigned tcp_retries;           /* data retransmissions before ETIMEDOUT (15,
                                       Linux tcp_retries2; RFC 9293 3.8.3 R2) */
    unsigned tcp_retries1;          /* timeouts (data or SYN) before negative advice
                                       to IP and a soft error (3, RFC 9293 3.8.3 R1;
                                       0 = never) */
    ust_time_t tcp_delack;          /* delayed-ACK timeout (40 ms; RFC 9293 MUST-40
                                       < 500 ms; clamped to 200 ms) */
    ust_time_t tcp_msl;             /* maximum segment lifetime (30 s): TIME-WAIT
                                       lasts 2 x MSL = 60 s (as Linux) */
    ust_time_t tcp_fin_timeout;     /* an orphaned FIN-WAIT-2 connection is dropped
                                       after (60 s, Linux tcp_fin_timeout) */
    ust_time_t tcp_keepidle;        /* keepalive idle time (7200 s, RFC 1122 4.2.3.6) */
    ust_time_t tcp_keepintvl;       /* between unanswered probes (75 s) */
    unsigned tcp_keepcnt;           /* unanswered probes before the reset (9) */
    unsigned tcp_max_backlog;       /* cap on listen() backlog (4096, as somaxconn) */
    unsigned tcp_max_syn_backlog;   /* cap on a listener's SYN queue (half-open
                                       children): min(backlog, this) (4096, Linux
                                       tcp_max_syn_backlog) */
    unsigned tcp_syncookies;        /* SYN cookies (RFC 4987 3.6), as Linux
                                       net.ipv4.tcp_syncookies: 0 never (a full SYN
                                       queue evicts its oldest entry), 1 when the SYN
                                       queue is full (1), 2 for every SYN */
    unsigned tcp_challenge_ack_limit; /* RFC 5961 7: stack-wide challenge ACK
                                       budget per second (1000). Randomized each
                                       second to limit/2 + random(limit) (rounding
                                       up; Linux after CVE-2016-5696), so that the
                                       budget reveals nothing to a blind attacker;
                                       0 = no challenge ACKs */
    ust_time_t tcp_invalid_ratelimit; /* per connection: at most one ACK per this
                                       time in answer to unacceptable segments
                                       (out of window, PAWS, ACK of unsent data)
                                       and challenge ACKs (500 ms, Linux
                                       tcp_invalid_ratelimit); 0 = no limit */
    unsigned tcp_rst_rate;          /* RSTs per second answering segments for no
                                       connection (closed ports), stack-wide token
                                       bucket (100; FreeBSD icmplim covers RSTs
                                       too, Linux has no limit); 0 = no limit ... */
    unsigned tcp_rst_burst;         /* ... with this burst (50) */
    bool tcp_rfc1337;               /* RFC 1337: a RST received in TIME-WAIT is
                                       ignored, TIME-WAIT goes on (true; Linux
                                       tcp_rfc1337, default off there) */
    unsigned tcp_max_tw_buckets;    /* connections in TIME-WAIT at once (16384;
                                       Linux tcp_max_tw_buckets): beyond it a new
                                       one ends TIME-WAIT at once */
    size_t tcp_ofo_mem_max;         /* out-of-order bytes held by all connections
                                       together (16 MiB); beyond it new
                                       out-of-order data is not stored; 0 = no
                                       limit (each connection is bounded by its
                                       receive buffer anyway) */
    unsigned tcp_max_orphans;       /* connections closed by the application and
                                       still finishing (not TIME-WAIT): beyond this
                                       a newly closed connection is reset instead
                                       (4096; Linux tcp_max_orphans, sized from
                                       memory there); 0 = no limit */
    ust_time_t tcp_min_rtt_window;  /* window of the minimum-RTT filter (tcp_minrtt.c)
                                       that RACK's reordering window and congestion
                                       control read (300 s, as Linux
                                       net.ipv4.tcp_min_rtt_wlen) */
    ust_time_t tcp_tlp_min_pto;     /* floor of the tail loss probe timeout
                                       max(2 * SRTT, floor) (RFC 8985 7.2): on a
                                       sub-millisecond path 2 * SRTT is below what a
                                       host's scheduling and the peer's ACK timing can
                                       keep (2 ms, Linux's TCP_TIMEOUT_MIN) */
    bool tcp_frto;                  /* F-RTO (RFC 5682, SACK-enhanced): after an RTO
                                       send new data before resending the rest, and
                                       undo the RTO's reduction if it proves
                                       spurious (true, as Linux net.ipv4.tcp_frto) */
    bool tcp_prr;                   /* RACK fast recovery takes cwnd down to ssthresh
                                       by Proportional Rate Reduction (RFC 6937 /
                                       RFC 9937) over the recovery round trip (true,
                                       as Linux); false sets cwnd = ssthresh at once
                                       (RFC 6675 5), for comparison */
    unsigned tcp_quickack;          /* quick-ACK mode: at most this many in-order
                                       segments are ACKed one by one at the start
                                       of a connection and after out-of-order or
                                       duplicate data, and at most half the window
                                       in segments (16, Linux TCP_MAX_QUICKACKS);
                                       0 = off (delayed and stretch ACKs only) */
    bool tcp_quickack_idle;         /* quick-ACK mode also after the receiver saw
                                       no data for longer than the RTO: the
                                       sender restarts from a small window and
                                       needs its ACK clock (true, as Linux
                                       tcp_event_data_recv) */
    unsigned tcp_comp_sack_nr;      /* SACK compression: of the duplicate ACKs for
                                       out-of-order segments of one receive batch,
                                       the first 3 for a RCV.NXT go at once, then at
                                       most this many are folded into one at the end
                                       of the batch (44, Linux tcp_comp_sack_nr);
                                       0 = every one at once (RFC 5681 4.2) */
    unsigned tcp_ofo_ranges;        /* separate out-of-order ranges one connection
                                       holds (256, at most 256; 8 bytes each, allocated
                                       as needed): a segment that would need one more
                                       is not stored (OfoDrops). A lossy transfer with
                                       a large window has one hole per lost segment
                                       in flight */
    bool tcp_hystart;               /* HyStart++ (RFC 9406) in the first slow start
                                       of NewReno and CUBIC (true, as Linux's
                                       hystart for cubic): a rise of the minimum
                                       RTT from one round to the next ends
                                       doubling before a loss does */
    bool tcp_tso;                   /* TCP segmentation offload (true): where the
                                       route's device segments TCP itself (TAP with
                                       a virtio_net_hdr), consecutive new data of up
                                       to 64 KiB goes to it as one super-packet with
                                       a partial checksum; false: one packet per
                                       segment (Linux: ethtool -K dev tso off) */
    unsigned tcp_abc_limit;         /* Appropriate Byte Counting (RFC 3465): slow
                                       start grows cwnd by the bytes an ACK covers,
                                       at most this many SMSS per ACK (2, RFC 3465
                                       2.2; 1 after an RTO); 0 = no limit, as Linux */
    unsigned tcp_bbr_loss_thresh;   /* BBR's BBRLossThresh in per mille (20: the 2 %
                                       of draft-ietf-ccwg-bbr 2.7): a round losing
                                       more than this share of what was in flight
                                       caps inflight_hi and ends a bandwidth probe.
                                       1000 or more: never, nor are bw_lo/inflight_lo
                                       cut in lossy rounds (loss-agnostic, as the
                                       BBRv1 of Linux 6.1), which holds the rate on
                                       random loss above 2 % and keeps probing into
                                       a full buffer's loss too */
    bool front_data_messages;       /* the thread-safe front (front.h) hands every
                                       socket call (data and control) to the stack
                                       thread as a message, and blocked calls leave
                                       arriving frames to it (false: calls run in
                                       the calling thread under the core lock and
                                       a blocked call reads the frames it waits
                                       for, the faster way as measured in
                                       ARCHITECTURE.md) */
    /* ---- IPv6 host autoconfiguration (src/net6/router_list.c, addrconf.c) ---- */
    bool ipv6_accept_ra;            /* process Router Advertisements: default routers,
                                       on-link prefixes, link parameters (true;
                                       Linux accept_ra=1: not while forwarding) */
    bool ipv6_autoconf;             /* form addresses from RA prefixes with A=1 (true:
                                       RFC 4862 5.5 SLAAC-11; Linux autoconf) */
    bool ipv6_temp_addrs;           /* RFC 8981 temporary addresses beside the stable
                                       ones (false; Linux use_tempaddr=0) */
    ust_time_t ipv6_temp_valid_lft; /* TEMP_VALID_LIFETIME (2 days, RFC 8981 3.8) */
    ust_time_t ipv6_temp_preferred_lft; /* TEMP_PREFERRED_LIFETIME (1 day); each
                                       address takes off a random DESYNC_FACTOR */
    unsigned ipv6_rs_max;           /* Router Solicitations before giving up: 0 (the
                                       default) never gives up and backs off from
                                       4 s to an hour (RFC 7559, RFC 8504 5.4);
                                       N sends N, 4 s apart (RFC 4861 6.3.7: 3) */
    unsigned ipv6_ra_max_routers;   /* default routers kept per interface (8; RFC
                                       4861 6.3.4 asks room for at least 2) */
    unsigned ipv6_ra_max_prefixes;  /* on-link prefixes kept per interface (16) */
    unsigned ipv6_max_addrs;        /* autoconfigured addresses per interface (16:
                                       link-local, stable and temporary ones) */
    bool ipv6_accept_redirects;     /* believe valid Redirects (RFC 4861 8.3): the
                                       destination's next hop changes (true; Linux
                                       accept_redirects=1 on hosts) */
    bool ipv6_send_redirects;       /* router mode (ip_forwarding): send Redirects
                                       (RFC 4861 8.2) for packets forwarded back out
                                       of their arrival link (true; rate: the
                                       icmp6_err_rate / _burst of a bucket of their
                                       own; Linux: always on for routers) */
    /* Router side (ust_ra_advertise, RFC 4861 6.2.1): the advertising
     * interface's AdvertisingInterval, the values its RAs carry. */
    ust_time_t ipv6_ra_min_interval; /* MinRtrAdvInterval (200 s: 0.33 x Max) */
    ust_time_t ipv6_ra_max_interval; /* MaxRtrAdvInterval (600 s; 4 s .. 1800 s) */
    unsigned ipv6_ra_router_lifetime;/* AdvDefaultLifetime in seconds (1800: 3 x Max;
                                        0: not a default router) */
    uint8_t ipv6_ra_cur_hop_limit;   /* AdvCurHopLimit (64; 0: unspecified) */
    unsigned ipv6_ra_mtu;            /* AdvLinkMTU: an MTU option when not 0 (0) */
    bool ipv6_ra_managed;            /* AdvManagedFlag: the M flag, addresses from
                                        DHCPv6 (false; RFC 4861 4.2) */
    bool ipv6_ra_other;              /* AdvOtherConfigFlag: the O flag, other
                                        configuration from DHCPv6 (false) */
    uint8_t ipv6_ra_rdnss[UST_RA_MAX_DNS][16]; /* RDNSS addresses the RAs carry
                                        in one option (RFC 8106 5.1; none) */
    unsigned ipv6_ra_rdnss_count;    /* entries of ipv6_ra_rdnss in use (0: no
                                        RDNSS option; at most UST_RA_MAX_DNS) */
    unsigned ipv6_ra_rdnss_lifetime; /* its Lifetime in seconds, and the DNSSL
                                        option's (0: 3 x MaxRtrAdvInterval, RFC
                                        8106 5.1 and 5.2's SHOULD default;
                                        UINT32_MAX: infinity) */
    char ipv6_ra_dnssl[128];         /* DNSSL names the RAs carry in one option,
                                        space-separated, e.g. "example.test"
                                        (RFC 8106 5.2; "": no DNSSL option) */
    unsigned ipv6_ra_max_routes;    /* RFC 4191 Route Information routes kept per
                                       interface (16, at most UST_RA_MAX_ROUTES;
                                       a full list refuses new ones) */
    unsigned ipv6_ra_max_dns;       /* RFC 8106 RDNSS addresses, and DNSSL names,
                                       kept per interface (3, as RFC 8106 5.3.1
                                       suggests; at most UST_RA_MAX_DNS): a new one
                                       replaces the soonest-expiring */
    uint8_t ipv6_stable_secret[16]; /* RFC 7217 5 secret_key of the stable link-local
                                       and SLAAC interface identifiers (Linux
                                       stable_secret; CLI --stable-secret): the same
                                       key forms the same addresses after a restart */
    bool ipv6_stable_secret_set;    /* use ipv6_stable_secret (false: a key is drawn
                                       from the stack PRNG when the first interface
                                       gets IPv6, so addresses change with cfg.seed) */

    /* ---- the stub resolver (ust_getaddrinfo, include/ustack/dns.h) ---- */
    ust_ip4_t dns_server;           /* name server asked over UDP/TCP port 53 (0: none,
                                       names not in dns_hosts give EAI_AGAIN; the
                                       CLI's --dns, default the first nameserver of
                                       /etc/resolv.conf) */
    uint8_t dns_servers6[UST_RA_MAX_DNS][16]; /* IPv6 name servers: what Router
                                       Advertisements' RDNSS options (RFC 8106)
                                       hand over (none; the first also becomes
                                       dns_server6 unless one was configured;
                                       all are shown by ust_iface_ra_dns) */
    unsigned dns_servers6_count;    /* entries of dns_servers6 in use (0) */
    uint8_t dns_server6[16];        /* IPv6 name server, asked over UDP/TCP on AF_INET6
                                       when dns_server is 0 (all zero: none; --dns
                                       with an IPv6 address, resolv.conf's first
                                       IPv6 nameserver, RDNSS via
                                       ust_stack_set_dns_server6) */
    uint32_t dns_server6_scope;     /* its sin6_scope_id (ifindex + 1) when it is
                                       link-local, else 0 */
    char dns_hosts[128];            /* hosts(5) file read before asking ("/etc/hosts";
                                       "" = none) */
    unsigned dns_attempts;          /* UDP attempts, each with a new ID and port (3, as
                                       resolv.conf's attempts is 2 resends + 1) */
    ust_time_t dns_timeout;         /* wait for the first attempt's answer, doubled for
                                       each next one (1 s: 1, 2, 4 s; glibc waits 5 s
                                       each) and for the TCP fallback */
    unsigned dns_cache_size;        /* answers cached per stack (64; 0 = no cache),
                                       least recently used evicted when full */
    uint32_t dns_ttl_max;           /* cap on a positive answer's TTL, seconds (86400) */
    uint32_t dns_neg_ttl_max;       /* cap on a negative answer's TTL, seconds (900;
                                       RFC 2308 5 takes min(SOA TTL, MINIMUM) and
                                       suggests 1-3 hours at most) */
    unsigned dns_cname_max;         /* CNAME links followed inside one answer (8) */

    /* ---- the DHCP client (include/ustack/dhcp.h) ---- */
    ust_time_t dhcp_timeout;        /* first wait for a reply (4 s, RFC 2131 4.1), doubled
                                       for each retransmission up to dhcp_timeout_max,
                                       each randomised by -1..+1 s from the stack's PRNG */
    ust_time_t dhcp_timeout_max;    /* cap on that wait (64 s, RFC 2131 4.1) */
    unsigned dhcp_request_attempts; /* DHCPREQUESTs for an offer before starting over (4) */
    unsigned dhcp_arp_probes;       /* ARP probes of an address before using it (3, RFC
                                       5227 2.1.1 PROBE_NUM; 0 = none) */
    ust_time_t dhcp_probe_interval; /* between probes and after the last (1 s) */
    ust_time_t dhcp_decline_wait;   /* after a DHCPDECLINE, before DISCOVER again (10 s,
                                       RFC 2131 3.1.5) */

    /* ---- IPv4 multicast and IGMP (RFC 3376) ---- */
    unsigned igmp_max_memberships;  /* groups joined per interface (20, as Linux's
                                       igmp_max_memberships; that one is per socket);
                                       also the groups one socket may join. Beyond:
                                       ENOMEM, counted in JoinsRefused. The same
                                       bounds for IPv6 groups (mld6 JoinsRefused;
                                       at most 32 per interface: MLD's table) */
    unsigned igmp_robustness;       /* [Robustness Variable] until a v3 Query's QRV
                                       says otherwise (2, RFC 3376 8.1): unsolicited
                                       reports are sent this many times */
    ust_time_t igmp_unsolicited_report_interval; /* the repeats of an unsolicited
                                       report are spread at random over (0, this] (1 s,
                                       RFC 3376 8.11) */
    unsigned mcast_max_sources;     /* sources in one socket's filter on one group
                                       (IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE,
                                       MCAST_*_SOURCE*; 10, as Linux's igmp_max_msf).
                                       Beyond: ENOBUFS, counted in igmp
                                       SourcesRefused */
    unsigned mld_max_sources;       /* the same for IPv6 groups (MCAST_*_SOURCE* at
                                       IPPROTO_IPV6; 64, as Linux's mld_max_msf).
                                       Beyond: ENOBUFS, counted in mld6
                                       SourcesRefused */
    unsigned mld_max_group_sources; /* distinct sources the filters of all sockets
                                       name for one IPv6 group on one interface (the
                                       merged table MLDv2 reports, RFC 3810 4.2;
                                       256). Beyond: ENOBUFS, mld6 SourcesRefused */
};

UST_API void ust_config_default(struct ust_config *cfg);

#endif
