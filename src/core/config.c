#include "ustack/config.h"

#include <stdio.h>
#include <string.h>

void ust_config_default(struct ust_config *c)
{
    memset(c, 0, sizeof(*c));
    c->seed = 1;
    c->arp_reachable_time = 30 * UST_SEC;
    c->arp_stale_time = 60 * UST_SEC;
    c->arp_retry_interval = 1 * UST_SEC;
    c->arp_max_requests = 3;
    c->arp_request_copies = 1;
    c->arp_queue_len = 64;
    c->arp_max_entries = 256;
    c->dev_fault_queue_len = 2048;
    c->tap_rx_batch = 32;
    c->tap_tx_sqpoll = false;
    c->busy_poll_us = 0;
    c->dev_offload = true;
    c->dev_offload_tso = true;
    c->ip_default_ttl = UST_DEFAULT_TTL;
    c->ip_forwarding = false;
    c->ip_accept_source_route = false;
    c->ip_min_pmtu = 552;
    c->ip_reasm_timeout = 30 * UST_SEC;
    c->ip_reasm_mem_max = 256 * 1024;
    c->ip_reasm_max = 64;
    c->ip_gw_retry = 60 * UST_SEC;
    c->icmp_err_rate = 100;
    c->icmp_err_burst = 50;
    c->ephemeral_lo = 49152;
    c->ephemeral_hi = 65535;
    c->udp_rcvbuf = 212992;
    c->max_sockets = 4096;
    c->tcp_sndbuf = 262144;
    c->tcp_rcvbuf = 262144;
    c->tcp_rmem_max = 6u << 20;
    c->tcp_wmem_max = 4u << 20;
    c->tcp_moderate_rcvbuf = true;
    c->tcp_autotune_mem_max = 256u << 20;
    c->tcp_window_scaling = true;
    c->tcp_timestamps = true;
    c->tcp_sack = true;
    c->tcp_dsack = true;
    c->tcp_rack = true;
    c->tcp_tlp_max_ack_delay = 200 * UST_MSEC;
    c->tcp_tlp_min_pto = 2 * UST_MSEC;
    c->tcp_min_rtt_window = 300 * UST_SEC;
    c->tcp_frto = true;
    strcpy(c->tcp_congestion, "newreno");
    c->tcp_ecn = 2; /* accept only, as Linux: requesting it is left to the user */
    c->tcp_initial_cwnd = 10;
    c->tcp_rto_initial = 1 * UST_SEC;
    c->tcp_rto_min = 200 * UST_MSEC;
    c->tcp_rto_max = 60 * UST_SEC;
    c->tcp_syn_retries = 7;
    c->tcp_synack_retries = 5;
    c->tcp_retries = 15;
    c->tcp_retries1 = 3;
    c->tcp_delack = 40 * UST_MSEC;
    c->tcp_msl = 30 * UST_SEC;
    c->tcp_fin_timeout = 60 * UST_SEC;
    c->tcp_keepidle = 7200 * UST_SEC;
    c->tcp_keepintvl = 75 * UST_SEC;
    c->tcp_keepcnt = 9;
    c->tcp_max_backlog = 4096;
    c->tcp_max_syn_backlog = 4096;
    c->tcp_syncookies = 1;
    c->tcp_challenge_ack_limit = 1000;
    c->tcp_invalid_ratelimit = 500 * UST_MSEC;
    c->tcp_rst_rate = 100;
    c->tcp_rst_burst = 50;
    c->tcp_rfc1337 = true;
    c->tcp_max_orphans = 4096;
    c->tcp_max_tw_buckets = 16384;
    c->tcp_ofo_mem_max = 16u << 20;
    c->tcp_prr = true;
    c->tcp_quickack = 16;
    c->tcp_quickack_idle = true;
    c->tcp_comp_sack_nr = 44;
    c->tcp_ofo_ranges = 256;
    c->tcp_hystart = true;
    c->tcp_tso = true;
    c->tcp_abc_limit = 2;
    c->tcp_bbr_loss_thresh = 20;
    c->front_data_messages = false; /* data calls under the core lock (front.h) */
    snprintf(c->dns_hosts, sizeof(c->dns_hosts), "/etc/hosts");
    c->dns_attempts = 3;
    c->dns_timeout = 1 * UST_SEC;
    c->dns_cache_size = 64;
    c->dns_ttl_max = 86400;
    c->dns_neg_ttl_max = 900;
    c->dns_cname_max = 8;
    c->dhcp_timeout = 4 * UST_SEC;
    c->dhcp_timeout_max = 64 * UST_SEC;
    c->dhcp_request_attempts = 4;
    c->dhcp_arp_probes = 3;
    c->dhcp_probe_interval = 1 * UST_SEC;
    c->dhcp_decline_wait = 10 * UST_SEC;
}
