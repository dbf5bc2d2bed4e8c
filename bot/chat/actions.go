package chat

// The actions of the rooms' buttons ("x:<action>:<arg>", see ButtonData),
// in one list so that no two rooms take the same one. The route table sends
// each to the room that handles it.
const (
	ActStaffLink   = "sl"  // arg: role; an admin makes a staff link
	ActRevokeAsk   = "rv"  // arg: user ID; an admin asks to revoke
	ActRevokeYes   = "ry"  // arg: user ID
	ActRevokeNo    = "rn"  // no arg
	ActInviteFor   = "id"  // arg: director's user ID; a counsellor's invite
	ActAcknowledge = "ack" // arg: case key; the director will contact the young person
	ActOpenSummary = "op"  // arg: case key
	ActNewLink     = "nl"  // arg: case key; re-attach an intake
	ActEraseYes    = "ey"  // no arg; a young person confirms /delete
	ActEraseNo     = "en"  // no arg; a young person keeps their data
	ActTakeAlert   = "tk"  // arg: session key; staff take an alert
	ActOnCallAdd   = "oa"  // arg: user ID:days:from:to; an admin confirms /oncall add
	ActOnCallNo    = "on"  // no arg; an admin cancels it
	ActProView     = "pv"  // arg: value:case key (value 0 asks); a professional's view of the support
)

// The buttons of reminders (bot/reminders). The young person's carry the
// reminder's ID; the staff's a draft's or a reminder's ID, and a choice.
const (
	ActRemindDone   = "rmd" // arg: reminder ID; the young person did it
	ActRemindSnooze = "rms" // arg: reminder ID; again in a day
	ActRemindStop   = "rmx" // arg: reminder ID; no more of these
	ActRemindNew    = "rmn" // no arg; staff start a new reminder
	ActRemindWho    = "rmp" // arg: case key; the young person it is for
	ActRemindWhat   = "rmt" // arg: draft ID:template
	ActRemindWhen   = "rmw" // arg: draft ID:choice
	ActRemindRepeat = "rmr" // arg: draft ID:repeat
	ActRemindSave   = "rmc" // arg: draft ID; confirm
	ActRemindCancel = "rmk" // arg: reminder ID; cancel it
	ActRemindMove   = "rmm" // arg: reminder ID; change its time
)

// The buttons of the weekly check-in (bot/reminders): its reminder's
// button starts it, and the engine's own buttons of the check-in flow are
// carried under ActCheckin, apart from the intake's.
const (
	ActCheckinStart = "cks" // arg: reminder ID; the young person starts the check-in
	ActCheckin      = "ck"  // arg: the engine's button data of the check-in flow
)
