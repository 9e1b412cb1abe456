/* ustack — per-layer counters in the spirit of the SNMP MIBs (RFC 1213,
 * RFC 4293). Each list is an X-macro so that the struct, the names printed
 * by the CLI and ust_stats_foreach() can never disagree. */
#ifndef USTACK_STATS_H
#define USTACK_STATS_H

#include <stdint.h>

#define UST_LINK_COUNTERS(X) \
    X(rx_frames) X(rx_bytes) X(tx_frames) X(tx_bytes) \
    X(rx_crc_errors) X(rx_truncated) X(rx_not_for_us) X(rx_unknown_type) \
    X(rx_vlan) X(tx_drops) X(shaper_drops) X(shaper_queued) X(tx_uring) \
    X(rx_uring) X(rx_uring_calls) \
    X(rx_errors) X(tx_errors) X(dev_lost) \
    X(fault_lost) X(fault_duplicated) X(fault_reordered) X(fault_corrupted) \
    X(fault_delayed) X(fault_queue_drops) \
    X(tx_gso_offloaded) X(tx_gso_sw) X(tx_gso_segs) X(tx_csum_sw) X(tx_gso_bad) \
    X(rx_gso_frames) X(rx_gso_bytes) X(rx_gso_split) X(rx_csum_trusted) X(rx_offload_bad) \
    X(tx_gso_bytes) X(tx_csum_partial) X(offload_refused) \
    X(busy_polls) X(busy_poll_hits)

#define UST_ARP_COUNTERS(X) \
    X(in_packets) X(in_errors) X(in_requests) X(in_replies) \
    X(out_requests) X(out_replies) X(gratuitous_sent) \
    X(unsolicited_ignored) X(resolve_failed) X(queue_drops) X(entries_evicted)

#define UST_IP_COUNTERS(X) \
    X(InReceives) X(InHdrErrors) X(InTruncatedPkts) X(InCsumErrors) \
    X(InBadOptions) X(InAddrErrors) X(InUnknownProtos) X(InDiscards) \
    X(InDelivers) X(OutRequests) X(OutDiscards) X(OutNoRoutes) \
    X(ForwDatagrams) X(InTtlExceeded) X(ReasmReqds) X(ReasmOKs) X(ReasmFails) \
    X(ReasmTimeout) X(ReasmOverlaps) X(ReasmMemDrops) X(FragOKs) X(FragFails) \
    X(FragCreates) X(InSrcRouteFails) X(DeadGateways) X(InSrcRtDrops)

#define UST_ICMP_COUNTERS(X) \
    X(InMsgs) X(InErrors) X(InCsumErrors) X(InDestUnreachs) X(InTimeExcds) \
    X(InEchos) X(InEchoReps) X(InFragNeeded) X(InFragNeededIgnored) X(PmtuFloorClamps) \
    X(InRedirects) X(InRedirectsIgnored) X(InOther) \
    X(OutMsgs) X(OutErrors) X(OutDestUnreachs) X(OutTimeExcds) \
    X(OutEchos) X(OutEchoReps) X(OutRateLimited)

/* IPv6 and ICMPv6 with Linux's /proc/net/snmp6 names (the Ip6 / Icmp6
 * prefix keeps them apart from IPv4's), and the neighbour cache and DAD
 * (nd6). */
#define UST_IP6_COUNTERS(X) \
    X(Ip6InReceives) X(Ip6InHdrErrors) X(Ip6InTruncatedPkts) X(Ip6InAddrErrors) X(Ip6InUnknownProtos) \
    X(Ip6InBadOptions) X(Ip6InRh0Drops) X(Ip6InDiscards) X(Ip6InDelivers) X(Ip6InMcastPkts) \
    X(Ip6OutRequests) X(Ip6OutDiscards) X(Ip6OutNoRoutes) X(Ip6OutMcastPkts) \
    X(Ip6ReasmReqds) X(Ip6ReasmOKs) X(Ip6ReasmFails) X(Ip6ReasmTimeout) X(Ip6ReasmOverlaps) \
    X(Ip6ReasmMemDrops) X(Ip6ReasmAtomic) X(Ip6ReasmChainIncomplete) \
    X(Ip6FragOKs) X(Ip6FragFails) X(Ip6FragCreates) X(Ip6LocalQueueDrops) \
    X(Ip6OutForwDatagrams) X(Ip6InNoRoutes) X(Ip6InTooBigErrors)

#define UST_ICMP6_COUNTERS(X) \
    X(Icmp6InMsgs) X(Icmp6InErrors) X(Icmp6InCsumErrors) X(Icmp6InDestUnreachs) X(Icmp6InPktTooBigs) \
    X(Icmp6InTimeExcds) X(Icmp6InParmProblems) X(Icmp6InEchos) X(Icmp6InEchoReplies) \
    X(Icmp6InNeighborSolicits) X(Icmp6InNeighborAdvertisements) X(Icmp6InNdInvalid) X(Icmp6InNdFragments) \
    X(Icmp6InOther) X(Icmp6InBadQuotes) X(Icmp6PmtuUpdates) X(Icmp6PmtuIgnored) \
    X(Icmp6OutMsgs) X(Icmp6OutErrors) X(Icmp6OutDestUnreachs) X(Icmp6OutTimeExcds) X(Icmp6OutParmProblems) \
    X(Icmp6OutEchos) X(Icmp6OutEchoReplies) X(Icmp6OutNeighborSolicits) X(Icmp6OutNeighborAdvertisements) \
    X(Icmp6OutRateLimited) X(Icmp6OutErrorSuppressed) X(Icmp6OutPktTooBigs)

#define UST_ND6_COUNTERS(X) \
    X(DadStarted) X(DadSucceeded) X(DadDuplicates) X(AddrConflicts) \
    X(ResolveFailed) X(NudFailed) X(QueueDrops) X(EntriesEvicted) X(UnsolicitedNaIgnored) \
    X(AddrUnreachReported) \
    X(RedirectsReceived) X(RedirectsAccepted) X(RedirectsDisabled) X(RedirectBadHeader) X(RedirectBadTarget) \
    X(RedirectBadOption) X(RedirectNotFirstHop) X(RedirectCacheEvicted) \
    X(RedirectsSent) X(RedirectsRateLimited) X(RedirectsNotSent)

#define UST_UDP_COUNTERS(X) \
    X(InDatagrams) X(NoPorts) X(InErrors) X(InCsumErrors) X(RcvbufErrors) \
    X(OutDatagrams) X(OutErrors) X(ErrQueueDrops)

#define UST_TCP_COUNTERS(X) \
    X(ActiveOpens) X(PassiveOpens) X(AttemptFails) X(EstabResets) X(CurrEstab) \
    X(InSegs) X(OutSegs) X(RetransSegs) X(InErrs) X(InCsumErrors) X(OutRsts) \
    X(InRsts) X(ChallengeAcks) X(FastRetrans) X(Timeouts) X(OfoQueued) \
    X(OfoDrops) X(SynDrops) X(AcceptQueueDrops) \
    X(InBadAddr) X(OutOfWindow) X(DupAcks) X(PartialAcks) X(DelayedAcks) \
    X(ZeroWindowProbes) X(KeepAliveProbes) X(AbortOnData) X(AbortOnClose) \
    X(AbortOnTimeout) X(AbortOnLinger) X(TimeWaitExpired) X(RstUnacceptable) \
    X(AckTooNew) X(AckTooOld) X(IcmpErrors) X(OutOfWindowIcmps) X(PawsDrops) X(SackRetrans) \
    X(RackLost) X(RackReoTimeouts) X(TlpProbes) X(TlpRecoveries) X(SackReneging) \
    X(TimeWaitReopens) X(TimeWaitSynDrops) X(DsackOldSent) X(DsackOfoSent) \
    X(EcnNegotiated) X(EcnCeReceived) X(EcnEceReceived) X(EcnCwndReductions) X(EcnCwrSent) \
    X(AckSkippedSeq) X(AckSkippedPaws) X(AckSkippedUnsent) X(AckSkippedChallenge) \
    X(ChallengeAckLimited) X(RstRateLimited) X(TimeWaitRstIgnored) X(AbortOnOrphanLimit) \
    X(FinWait2Expired) \
    X(SyncookiesSent) X(SyncookiesRecv) X(SyncookiesFailed) X(ReqQFullDoCookies) \
    X(SynQueueEvictions) X(TimeWaitOverflow) X(OfoMemDrops) \
    X(PacingWaits) X(CcFallbacks) \
    X(RttSamples) X(RttAmbiguous) X(RttDelayedAck) \
    X(SpuriousDsack) X(SpuriousEifel) X(SpuriousRtos) X(Undos) X(FrtoNoNewData) \
    X(RecoveryEpisodes) X(CwndReductions) X(CwndReductionsSkipped) X(LostRetransmits) X(RackAmbiguous) \
    X(DsackRecv) X(DsackRecvSegs) \
    X(SendmapFull) \
    X(SackCompressed) \
    X(OutTsoPackets) X(RcvBufGrown) X(SndBufGrown) X(BufGrowFailed) X(BufGrowLimited) X(QuickAckIdle)

/* The stub resolver (ust_getaddrinfo): queries sent (each UDP attempt, each
 * TCP fallback), answers that did not count (from elsewhere, another ID or
 * question: Mismatched; unparsable: Malformed), attempts that timed out. */
#define UST_DNS_COUNTERS(X) \
    X(Queries) X(TcpQueries) X(Answers) X(Timeouts) X(Mismatched) X(Malformed) \
    X(Truncated) X(NxDomain) X(ServFail) X(HostsHits) X(CacheHits) X(CacheEvictions) \
    X(ParallelQueries) X(ServerFailovers) X(SearchNames)

/* The DHCP client (include/ustack/dhcp.h): messages sent and received,
 * replies that did not count (another xid or hardware address, or not for
 * this state: Mismatched; unparsable or missing a required option:
 * Malformed), retransmissions (Timeouts), leases lost (Expiries), offered
 * addresses found in use by an ARP probe (ArpConflicts), the client's
 * timer not armed for want of memory in the stack's timer heap (TimerNoMem:
 * it then acts on its next message or ust_dhcp_step). */
#define UST_DHCP_COUNTERS(X) \
    X(Discovers) X(Offers) X(Requests) X(Acks) X(Naks) X(Declines) X(Releases) \
    X(Renewals) X(Rebinds) X(Expiries) X(Timeouts) X(Mismatched) X(Malformed) \
    X(ArpProbes) X(ArpConflicts) X(TimerNoMem)

/* IPv6 Router Advertisements a host processes (src/net6/router_list.c, RFC
 * 4861 6.3.4): received, accepted, ignored with their reason (Hop Limit not
 * 255, source not link-local, malformed, accept_ra off), options skipped
 * (wrong length: BadOptions; MTU out of range; link-local PIO prefix),
 * entries refused because a bounded list was full, entries expired, and
 * default router choices made round-robin (none known reachable). RFC
 * 4191 Route Information options ignored (bad length, reserved preference,
 * link-local prefix), refused at cfg.ipv6_ra_max_routes, expired; RFC 8106
 * RDNSS / DNSSL options ignored (bad length or name, unusable address),
 * entries that replaced the soonest-expiring one of a full list
 * (cfg.ipv6_ra_max_dns), expired. As a router (src/net6/ra_send.c, RFC
 * 4861 6.2): RAs sent, Router Solicitations received, and those ignored
 * (invalid, or the interface does not advertise). */
#define UST_RA_COUNTERS(X) \
    X(InRAs) X(Accepted) X(Ignored) X(BadHopLimit) X(BadSource) X(Malformed) \
    X(BadOptions) X(MtuIgnored) X(PrefixIgnored) X(RouterListFull) X(PrefixListFull) \
    X(RoutersExpired) X(PrefixesExpired) X(RoundRobin) \
    X(RouteInfoIgnored) X(RouteListFull) X(RoutesExpired) \
    X(RdnssIgnored) X(DnsslIgnored) X(DnsListReplaced) X(DnsExpired) \
    X(OutRAs) X(InRSs) X(RsIgnored)

/* IPv6 stateless address autoconfiguration (src/net6/addrconf.c, RFC 4862,
 * RFC 7217, RFC 8981): addresses formed (stable, temporary), DAD runs,
 * conflicts and give-ups after IDGEN_RETRIES / TEMP_IDGEN_RETRIES, IIDs
 * refused as reserved or in use (RFC 5453), PIOs ignored (5.5.3 a-d) and
 * those with a prefix length that is not 64, valid lifetimes held by the
 * two-hour rule (5.5.3 e), state changes, a full address list, Router
 * Solicitations sent, temporary addresses regenerated. */
#define UST_ADDRCONF_COUNTERS(X) \
    X(AddrsCreated) X(TempAddrsCreated) X(DadStarted) X(DadConflicts) X(DadGiveUps) \
    X(TempGiveUps) X(IidRefused) X(PioIgnored) X(PioBadPrefixLen) X(TwoHourRule) \
    X(AddrsDeprecated) X(AddrsExpired) X(AddrListFull) X(RsSent) X(TempRegenerated)
/* IGMP as a host (RFC 3376): messages received (InErrors: malformed or
 * a bad checksum; InIgnored: what RFC 3376 9.1 says to ignore, a v2/v3
 * Query without Router Alert, a General Query not sent to 224.0.0.1, and
 * unknown types), reports sent per version, Leave Groups, joins refused
 * at cfg.igmp_max_memberships, our reports suppressed by another host's
 * (v1/v2 compatibility mode), sources refused at cfg.mcast_max_sources
 * (ENOBUFS), IPv4 multicast datagrams a socket's source filter kept from
 * it (RFC 3376 3.1). */
#define UST_IGMP_COUNTERS(X) \
    X(InMsgs) X(InErrors) X(InCsumErrors) X(InQueries) X(InReports) X(InIgnored) \
    X(OutV3Reports) X(OutV2Reports) X(OutV1Reports) X(OutLeaves) X(OutErrors) \
    X(JoinsRefused) X(ReportsSuppressed) X(SourcesRefused) X(SourceFiltered)
/* MLD as a host (RFC 3810): messages received (InErrors: malformed;
 * InIgnored: what RFC 3810 5.1.14/5.2.13 and 6.2 say to ignore, a Query
 * whose Hop Limit is not 1, whose source is not link-local or that has
 * no Router Alert, a General Query not to ff02::1), reports and Dones
 * sent, groups refused when the per-interface table is full, sources
 * refused at cfg.mld_max_sources or cfg.mld_max_group_sources (ENOBUFS),
 * IPv6 multicast datagrams a socket's source filter kept from it (RFC
 * 3810 4.1). */
#define UST_MLD6_COUNTERS(X) \
    X(InMsgs) X(InErrors) X(InQueries) X(InReports) X(InIgnored) X(OutV2Reports) \
    X(OutV1Reports) X(OutDones) X(OutErrors) X(JoinsRefused) X(SourcesRefused) \
    X(SourceFiltered)

#define UST_COUNTER_FIELD(name) uint64_t name;

struct ust_link_stats { UST_LINK_COUNTERS(UST_COUNTER_FIELD) };
struct ust_arp_stats { UST_ARP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_ip_stats { UST_IP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_icmp_stats { UST_ICMP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_ip6_stats { UST_IP6_COUNTERS(UST_COUNTER_FIELD) };
struct ust_icmp6_stats { UST_ICMP6_COUNTERS(UST_COUNTER_FIELD) };
struct ust_nd6_stats { UST_ND6_COUNTERS(UST_COUNTER_FIELD) };
struct ust_udp_stats { UST_UDP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_tcp_stats { UST_TCP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_dns_stats { UST_DNS_COUNTERS(UST_COUNTER_FIELD) };
struct ust_dhcp_stats { UST_DHCP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_ra_stats { UST_RA_COUNTERS(UST_COUNTER_FIELD) };
struct ust_addrconf_stats { UST_ADDRCONF_COUNTERS(UST_COUNTER_FIELD) };
struct ust_igmp_stats { UST_IGMP_COUNTERS(UST_COUNTER_FIELD) };
struct ust_mld6_stats { UST_MLD6_COUNTERS(UST_COUNTER_FIELD) };

struct ust_stats {
    struct ust_link_stats link; /* sum over all devices of the stack */
    struct ust_arp_stats arp;
    struct ust_ip_stats ip;
    struct ust_icmp_stats icmp;
    struct ust_udp_stats udp;
    struct ust_tcp_stats tcp;
    struct ust_dns_stats dns;
    struct ust_dhcp_stats dhcp;
    struct ust_ra_stats ra;             /* IPv6 router discovery */
    struct ust_addrconf_stats addrconf; /* IPv6 SLAAC */
    struct ust_igmp_stats igmp;
    struct ust_ip6_stats ip6;
    struct ust_icmp6_stats icmp6;
    struct ust_nd6_stats nd6;
    struct ust_mld6_stats mld6;
};

#endif
