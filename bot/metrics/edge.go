package metrics

import "sync/atomic"

// EdgeCounters are the counters of the edge's first aid and fair lanes:
// crisis lines shown from memory, alerts put in the spool and raised from
// it, and a chat's updates beyond its queue cap, merged into its last
// queued message or dropped.
type EdgeCounters struct {
	FirstAid      atomic.Int64
	AlertsQueued  atomic.Int64
	AlertsDrained atomic.Int64
	LaneMerged    atomic.Int64
	LaneDropped   atomic.Int64
}

// each calls counter with every counter, under its name in /metrics.
func (c *EdgeCounters) each(counter func(name, help string, v int64)) {
	counter("intakebot_first_aid_total", "Crisis lines shown from memory, before the store was asked.", c.FirstAid.Load())
	counter("intakebot_alerts_queued_total", "Alerts put in the spool to raise once the store answers.", c.AlertsQueued.Load())
	counter("intakebot_alerts_drained_total", "Alerts from the spool handed to the alerts room.", c.AlertsDrained.Load())
	counter("intakebot_lane_merged_total", "Updates beyond a chat's queue cap whose text was merged into its last queued message.", c.LaneMerged.Load())
	counter("intakebot_lane_dropped_total", "Updates beyond a chat's queue cap that could not be merged and were dropped.", c.LaneDropped.Load())
}
