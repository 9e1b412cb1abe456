/* Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation):
 * the connection's delivery counters, the snapshot each segment carries in
 * its send-map record, and the rate sample built on every ACK (struct
 * rate_sample, cc.h). Needs the send map, so it runs on connections with
 * SACK and RACK (tcp_rack_on); an algorithm that needs rate samples
 * (cc_ops.cong_control, BBR) falls back to CUBIC without them. */
#ifndef UST_TCP_RATE_H
#define UST_TCP_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cc.h"
#include "ustack/types.h"

/* Per segment, taken when it was (last) sent (draft 3.2 "Upon sending"). */
struct tcp_rate_snap {
    uint64_t delivered;       /* P.delivered: C.delivered at the send */
    ust_time_t delivered_time;/* P.delivered_time */
    ust_time_t first_tx_time; /* P.first_send_time */
    uint32_t lost;            /* C.lost at the send (low 32 bits) */
    uint32_t tx_in_flight;    /* bytes in flight once it was sent */
};

/* rack_seg.rate_flags */
enum {
    RATE_APP_LIMITED = 1u << 0, /* P.is_app_limited */
    RATE_LOST_COUNTED = 1u << 1,/* its loss mark is counted in C.lost */
};

/* The ACK being processed: the newest segment it delivered, so far. */
struct tcp_rate_acc {
    bool has;                 /* a segment was delivered */
    bool app_limited;
    uint32_t newest_no;       /* its xmit_no (send order) */
    ust_time_t newest_ts;     /* its send time */
    struct tcp_rate_snap snap;/* its snapshot */
    ust_time_t rtt;           /* smallest RTT of a never-retransmitted one; 0 none */
    uint32_t newly_acked;
    uint32_t prior_in_flight;
};

/* Per connection (draft 3.1: C.delivered, C.delivered_time,
 * C.first_send_time, C.app_limited), plus C.lost. Marks of losses not
 * resent yet are counted into C.lost only for an algorithm that takes
 * samples (cong_control), which also alone gets the in-flight figures:
 * they cost walks of the send map on every ACK. */
struct tcp_rate {
    uint64_t delivered, lost;  /* bytes delivered / marked lost so far */
    ust_time_t delivered_time, first_tx_time;
    uint64_t app_limited;      /* C.app_limited: 0, or C.delivered when the
                                  app-limited bubble is out of the network */
    uint64_t delivery_rate;    /* the last valid rs.delivery_rate (TCP_INFO) */
    uint32_t lost_pending;     /* counted in lost, not yet in a sample's newly_lost */
    struct tcp_rate_acc acc;
};

struct tcb;
struct rack_seg;

/* Output is about to resend [seq, seq + len): loss marks on it, which the
 * resend clears, are counted first. */
void tcp_rate_presend(struct tcb *t, uint32_t seq, uint32_t len);
/* Output sent [seq, seq + len) (new data or a retransmission): the send
 * map's records for it take the connection's counters. */
void tcp_rate_sent(struct tcb *t, uint32_t seq, uint32_t len);
/* An acceptable ACK is about to be processed. */
void tcp_rate_ack_begin(struct tcb *t);
/* A timer (RACK's reordering timer, the RTO) marked losses: they go
 * into C.lost now, and into no ACK's rs.newly_lost. */
void tcp_rate_timer_losses(struct tcb *t);
/* The ACK delivered record g (cumulatively or by a new SACK block). */
void tcp_rate_delivered(struct tcb *t, const struct rack_seg *g);
/* After the ACK's loss detection: counts new loss marks, builds the rate
 * sample and gives it to the algorithm's cong_control. */
void tcp_rate_ack_end(struct tcb *t);
/* End of output: marks the connection application-limited when it has
 * less than a segment to send and room in cwnd (draft 3.4). */
void tcp_rate_check_app_limited(struct tcb *t);
/* Fills *rs as tcp_rate_ack_end would now (tests). */
void tcp_rate_sample(struct tcb *t, struct rate_sample *rs);

#endif
