/* The simulator's event engine (sim_loop.c): the virtual clock, the heap
 * of frames in flight and the registered stacks. The network parts built
 * on it (sim_net.h: cables, switches, NICs) schedule events that carry
 * their own delivery function, and hand the engine their switches to free
 * with it, so the engine calls nothing of theirs by name: dependencies
 * point one way, parts -> engine. */
#ifndef UST_SIM_IMPL_H
#define UST_SIM_IMPL_H

#include "core/rand.h"
#include "ustack/sim.h"

/* Bounds: the simulator never grows without limit. */
#define SIM_MAX_EVENTS (1u << 20)      /* frames in flight */
#define SIM_MAX_SAME_TIME_STEPS 10000u /* livelock guard: steps without time advancing */
#define SIM_MAX_STEPS_PER_RUN 200000000ull

struct sim_event;
/* Carries out a due event (e.g. a frame reaching a switch). Does not free ev. */
typedef void (*sim_deliver_fn)(struct ust_sim *sim, struct sim_event *ev);

/* A frame on a cable: the wire bytes (padded, FCS appended). Ports are
 * named by index so that a NIC freed while its frames fly is harmless. */
struct sim_event {
    ust_time_t when;
    uint64_t seq; /* ties in `when` go in scheduling order */
    sim_deliver_fn deliver;
    int kind;     /* for deliver: which end of the cable (sim_net.h) */
    struct ust_sim_switch *sw;
    unsigned port;
    size_t len;
    uint8_t data[];
};

/* Something the simulator frees with itself (a switch). */
struct sim_part {
    void *obj;
    void (*free)(void *obj);
};

struct ust_sim {
    struct ust_rng rng;
    ust_time_t now;
    uint64_t next_seq;
    struct sim_event **heap;
    size_t nheap, capheap;
    struct ust_stack **stacks;
    size_t nstacks, capstacks;
    struct sim_part *parts;
    size_t nparts, capparts;
    unsigned same_time_steps;
    uint64_t event_drops;     /* frames refused because SIM_MAX_EVENTS were in flight */
    uint64_t livelock_breaks; /* times the guard moved time past a stuck deadline */
};

struct sim_event *sim_event_new(size_t len);
/* Queues ev (taken; ev->deliver set) for delivery at ev->when; returns 0 or
 * UST_ERR_NOMEM (ev freed and counted). */
int sim_schedule(struct ust_sim *sim, struct sim_event *ev);
/* Hands obj to the simulator: free_fn(obj) runs when it is freed. Returns
 * the part's number (1 for the first, in creation order), 0 without memory. */
unsigned sim_own(struct ust_sim *sim, void *obj, void (*free_fn)(void *obj));

#endif
