/* The middleware chain of a device: layers that wrap the device below them
 * (capture, shaper, fault injector), kept in rank order between the link
 * layer and the driver. A chain is a handful of layers, so it is a plain
 * doubly linked list walked from the top. */
#include "dev_host.h"
#include "dev_impl.h"

static void layer_link_before(struct ust_dev *dev, struct dev_layer *l, struct dev_layer *next,
                              struct dev_layer *prev)
{
    l->above = prev;
    l->below = next;
    if (prev)
        prev->below = l;
    else
        dev->top = l;
    if (next)
        next->above = l;
}

static void layer_unlink(struct ust_dev *dev, struct dev_layer *l)
{
    if (l->above)
        l->above->below = l->below;
    else
        dev->top = l->below;
    if (l->below)
        l->below->above = l->above;
    l->above = l->below = NULL;
}

struct dev_layer *dev_layer_find(const struct ust_dev *dev, const struct dev_layer_ops *ops)
{
    for (struct dev_layer *l = dev->top; l; l = l->below)
        if (l->ops == ops)
            return l;
    return NULL;
}

bool dev_layers_rx_unchanged(const struct ust_dev *dev)
{
    for (const struct dev_layer *l = dev->top; l; l = l->below)
        if (!l->ops->rx_unchanged || !l->ops->rx_unchanged(l))
            return false;
    return true;
}

void dev_layer_remove(struct ust_dev *dev, struct dev_layer *l)
{
    layer_unlink(dev, l);
    l->ops->free(l);
}

void dev_layer_insert(struct ust_dev *dev, struct dev_layer *l)
{
    struct dev_layer *old = dev_layer_find(dev, l->ops);
    if (old)
        dev_layer_remove(dev, old);
    l->dev = dev;
    struct dev_layer *prev = NULL, *next = dev->top;
    while (next && next->ops->rank <= l->ops->rank) {
        prev = next;
        next = next->below;
    }
    layer_link_before(dev, l, next, prev);
}

void dev_layers_free(struct ust_dev *dev)
{
    while (dev->top)
        dev_layer_remove(dev, dev->top);
}

int dev_layer_transmit_below(struct dev_layer *l, ust_time_t now, struct pkt *p)
{
    if (l->below)
        return l->below->ops->transmit(l->below, now, p);
    return dev_driver_transmit(l->dev, now, p);
}

int dev_layer_input_above(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len)
{
    if (l->above)
        return l->above->ops->input(l->above, now, frame, len);
    return stack_frame_input(l->dev->st, l->dev, now, frame, len);
}

ust_time_t dev_layers_poll_at(const struct ust_dev *dev)
{
    ust_time_t next = UST_TIME_NEVER;
    for (struct dev_layer *l = dev->top; l; l = l->below) {
        ust_time_t d = l->ops->poll_at ? l->ops->poll_at(l) : UST_TIME_NEVER;
        if (d < next)
            next = d;
    }
    return next;
}

void dev_layers_poll(struct ust_dev *dev, ust_time_t now)
{
    for (struct dev_layer *l = dev->top; l; l = l->below)
        if (l->ops->poll)
            l->ops->poll(l, now);
}
