// SPDX-License-Identifier: GPL-2.0
/*
 * The migration state machine: VFIO migration v2's states and arcs.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/export.h>

#include "lm_internal.h"

#define S(x) LM_MIG_STATE_##x
#define LM_NUM_STATES (LM_MIG_STATE_PRE_COPY_P2P + 1)

/*
 * The first arc on the way from one state to another when every optional
 * state is supported. Requests between states not joined by one arc are
 * the shortest path that has no saving state (PRE_COPY, PRE_COPY_P2P,
 * STOP_COPY) inside it; ERROR marks a request that cannot be carried out.
 * This is VFIO's table, entry for entry, so that a request means the same
 * thing here as through a VFIO device.
 */
static const u8 lm_fsm_next[LM_NUM_STATES][LM_NUM_STATES] = {
	[S(STOP)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(RUNNING_P2P),
		[S(PRE_COPY)] = S(RUNNING_P2P),
		[S(PRE_COPY_P2P)] = S(RUNNING_P2P),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(RESUMING),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(RUNNING)] = {
		[S(STOP)] = S(RUNNING_P2P),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(RUNNING_P2P),
		[S(STOP_COPY)] = S(RUNNING_P2P),
		[S(RESUMING)] = S(RUNNING_P2P),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(PRE_COPY)] = {
		[S(STOP)] = S(RUNNING),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(PRE_COPY_P2P),
		[S(RESUMING)] = S(RUNNING),
		[S(RUNNING_P2P)] = S(RUNNING),
		[S(ERROR)] = S(ERROR),
	},
	[S(PRE_COPY_P2P)] = {
		[S(STOP)] = S(RUNNING_P2P),
		[S(RUNNING)] = S(RUNNING_P2P),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(RUNNING_P2P),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(STOP_COPY)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(STOP),
		[S(PRE_COPY)] = S(ERROR),
		[S(PRE_COPY_P2P)] = S(ERROR),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(STOP),
		[S(RUNNING_P2P)] = S(STOP),
		[S(ERROR)] = S(ERROR),
	},
	[S(RESUMING)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(STOP),
		[S(PRE_COPY)] = S(STOP),
		[S(PRE_COPY_P2P)] = S(STOP),
		[S(STOP_COPY)] = S(STOP),
		[S(RESUMING)] = S(RESUMING),
		[S(RUNNING_P2P)] = S(STOP),
		[S(ERROR)] = S(ERROR),
	},
	[S(RUNNING_P2P)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(RUNNING),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(STOP),
		[S(RESUMING)] = S(STOP),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(ERROR)] = {
		[S(STOP)] = S(ERROR),
		[S(RUNNING)] = S(ERROR),
		[S(PRE_COPY)] = S(ERROR),
		[S(PRE_COPY_P2P)] = S(ERROR),
		[S(STOP_COPY)] = S(ERROR),
		[S(RESUMING)] = S(ERROR),
		[S(RUNNING_P2P)] = S(ERROR),
		[S(ERROR)] = S(ERROR),
	},
};

/* The capabilities a state needs; ERROR needs more than any device has. */
static const u32 lm_fsm_state_caps[LM_NUM_STATES] = {
	[S(STOP)] = LM_MIG_STOP_COPY,
	[S(RUNNING)] = LM_MIG_STOP_COPY,
	[S(PRE_COPY)] = LM_MIG_STOP_COPY | LM_MIG_PRE_COPY,
	[S(PRE_COPY_P2P)] = LM_MIG_STOP_COPY | LM_MIG_P2P | LM_MIG_PRE_COPY,
	[S(STOP_COPY)] = LM_MIG_STOP_COPY,
	[S(RESUMING)] = LM_MIG_STOP_COPY,
	[S(RUNNING_P2P)] = LM_MIG_STOP_COPY | LM_MIG_P2P,
	[S(ERROR)] = ~0U,
};

static bool lm_fsm_supported(u32 caps, u32 state)
{
	return (lm_fsm_state_caps[state] & caps) == lm_fsm_state_caps[state];
}

/**
 * lm_fsm_valid_target - Can @state be requested of a device with @caps?
 * @caps: &enum lm_mig_caps of the device
 * @state: The requested state, straight from user space
 */
bool lm_fsm_valid_target(u32 caps, u32 state)
{
	return state < LM_NUM_STATES && state != LM_MIG_STATE_ERROR &&
	       lm_fsm_supported(caps, state);
}
EXPORT_SYMBOL_IF_KUNIT(lm_fsm_valid_target);

/**
 * lm_fsm_next_state - The next single arc towards a requested state
 * @caps: &enum lm_mig_caps of the device
 * @cur: The current state, one the device supports
 * @target: The requested state, checked with lm_fsm_valid_target()
 * @next: Where the next arc leads
 *
 * Arcs through states the device does not support are skipped, so the
 * driver sees an arc straight to the next state it does support.
 *
 * Return: 0, or -EINVAL when @target cannot be reached from @cur.
 */
int lm_fsm_next_state(u32 caps, enum lm_mig_state cur,
		      enum lm_mig_state target, enum lm_mig_state *next)
{
	if (WARN_ON(cur >= LM_NUM_STATES || target >= LM_NUM_STATES))
		return -EINVAL;

	/*
	 * ERROR needs every capability, so it is never "supported": stop the
	 * walk there rather than skip over it forever (STOP_COPY -> PRE_COPY).
	 */
	*next = lm_fsm_next[cur][target];
	while (*next != LM_MIG_STATE_ERROR && !lm_fsm_supported(caps, *next))
		*next = lm_fsm_next[*next][target];
	return *next == LM_MIG_STATE_ERROR ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(lm_fsm_next_state);
