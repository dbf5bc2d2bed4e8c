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
