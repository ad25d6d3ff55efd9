/* Stable names of event types and diff kinds: the API and the event log on
 * disk use them, so they never change once released. */
#include "state.h"

static const char *const event_names[FABD_EV_COUNT] = {
    [FABD_EV_DAEMON_STARTED] = "daemon_started",
    [FABD_EV_SWEEP_FAILED] = "sweep_failed",
    [FABD_EV_NODE_ADDED] = "node_added",
    [FABD_EV_NODE_REMOVED] = "node_removed",
    [FABD_EV_LINK_UP] = "link_up",
    [FABD_EV_LINK_DOWN] = "link_down",
    [FABD_EV_LINK_DEGRADED] = "link_degraded",
    [FABD_EV_LINK_RESTORED] = "link_restored",
    [FABD_EV_LFT_CHANGED] = "lft_changed",
    [FABD_EV_LINK_CONGESTED] = "link_congested",
    [FABD_EV_LINK_CLEARED] = "link_cleared",
    [FABD_EV_LINK_ERRORS] = "link_errors",
    [FABD_EV_PLAN_INVALIDATED] = "plan_invalidated",
    [FABD_EV_PLAN_REPLANNED] = "plan_replanned",
    [FABD_EV_PROBE_ROUND_DONE] = "probe_round_done",
};

const char *fabd_event_type_str(fabd_event_type type)
{
    if ((int)type < 0 || type >= FABD_EV_COUNT)
        return "unknown";
    return event_names[type];
}

const char *fabd_diff_kind_str(fabd_diff_kind kind)
{
    switch (kind) {
    case FABD_DIFF_MISSING:
        return "missing";
    case FABD_DIFF_EXTRA:
        return "extra";
    case FABD_DIFF_DEGRADED:
        return "degraded";
    case FABD_DIFF_UPGRADED:
        return "upgraded";
    }
    return "unknown";
}
