/* Simulator internals shared by the event engine (src/loop/loop_sim.c) and
 * the simulated NICs and switches (src/dev/dev_sim.c). */
#ifndef UST_SIM_IMPL_H
#define UST_SIM_IMPL_H

#include "core/rand.h"
#include "ustack/sim.h"

/* Bounds: the simulator never grows without limit. */
#define SIM_MAX_EVENTS (1u << 20)      /* frames in flight */
#define SIM_MAX_SAME_TIME_STEPS 10000u /* livelock guard: steps without time advancing */
#define SIM_MAX_STEPS_PER_RUN 200000000ull

enum sim_event_kind {
    SIM_EV_TO_SWITCH, /* a frame reaches the switch from port `port` */
    SIM_EV_TO_NIC,    /* a frame reaches the NIC on port `port` */
};

/* A frame on a cable: the wire bytes (padded, FCS appended). Ports are
 * named by index so that a NIC freed while its frames fly is harmless. */
struct sim_event {
    ust_time_t when;
    uint64_t seq; /* ties in `when` go in scheduling order */
    enum sim_event_kind kind;
    struct ust_sim_switch *sw;
    unsigned port;
    size_t len;
    uint8_t data[];
};

struct ust_sim {
    struct ust_rng rng;
    ust_time_t now;
    uint64_t next_seq;
    struct sim_event **heap;
    size_t nheap, capheap;
    struct ust_stack **stacks;
    size_t nstacks, capstacks;
    struct ust_sim_switch **switches;
    size_t nswitches, capswitches;
    unsigned same_time_steps;
    uint64_t event_drops;     /* frames refused because SIM_MAX_EVENTS were in flight */
    uint64_t livelock_breaks; /* times the guard moved time past a stuck deadline */
};

struct sim_event *sim_event_new(size_t len);
/* Queues ev (taken) for delivery at ev->when; returns 0 or UST_ERR_NOMEM
 * (ev freed and counted). */
int sim_schedule(struct ust_sim *sim, struct sim_event *ev);
/* Carries out one due event (dev_sim.c). Does not free ev. */
void sim_deliver(struct ust_sim *sim, struct sim_event *ev);
/* Detaches every NIC of the switch and frees it (dev_sim.c). */
void sim_switch_free(struct ust_sim_switch *sw);

#endif
