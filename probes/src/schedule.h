/* Probe rounds: every host pair once, no host in two probes at once. */
#ifndef FPROBE_SCHEDULE_H
#define FPROBE_SCHEDULE_H

#include <stddef.h>

/* Steps needed for n hosts (the circle method: n-1 for even n, n for odd). */
size_t fprobe_schedule_steps(size_t n);
/* The disjoint pairs of step s (< steps) into pairs (room for n/2); their
 * count. Over all steps each unordered pair appears exactly once. */
size_t fprobe_schedule_step(size_t n, size_t s, size_t (*pairs)[2]);

#endif
