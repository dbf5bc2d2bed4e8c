// Package chat is what the bot's rooms and its Telegram edge say to each
// other: a person's request, free of the Bot API client, and the person
// behind it as the server sees them now. The edge turns an update into a
// Request, looks up the Actor where a route needs one, and hands both to
// the room that the route table names. Rooms answer through small ports
// they declare themselves; the edge implements them.
package chat

import (
	"errors"
	"strconv"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Request is one message or button press of a person, reduced to what the
// rooms need.
type Request struct {
	// Chat is where it came from; in a private chat it is the person's
	// own user ID.
	Chat    int64
	Private bool
	Event   dialog.Event
	// Callback is the ID of a button press, to answer it ("" for a
	// message). Telegram shows a spinner until it is answered.
	Callback string
	// Pressed is the message whose button was pressed (0 if none).
	Pressed int
	// Message is the person's own message (0 for a press).
	Message int
	// AlertQueued: the edge put this update's alert in the spool (the
	// store was down), so its handling raises none of its own.
	AlertQueued bool
}

// IsPress reports whether r is a button press.
func (r Request) IsPress() bool { return r.Event.Kind == dialog.EventButton }

// SessionKey is the key of the intake of a private chat.
func SessionKey(chat int64) string { return strconv.FormatInt(chat, 10) }

// ParseSessionKey is the chat of a session key (0 for a key that is not one).
func ParseSessionKey(key string) int64 {
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Actor is the person behind a request, looked up when it is handled: an
// admin by the configuration, a director or counsellor by the staff
// records; anyone else is a young person. Nothing a button carries decides
// a role, so a forged or old button can never grant one.
type Actor struct {
	ID     int64
	Admin  bool
	Member bool // a director or counsellor
	Staff  domain.StaffMember
	Lang   string // the language to speak to them in
}

// IsStaff reports whether the actor is an admin or a staff member.
func (a Actor) IsStaff() bool { return a.Admin || a.Member }

// Director reports whether the actor is a process director.
func (a Actor) Director() bool { return a.Member && a.Staff.Role == domain.RoleDirector }

// Counsellor reports whether the actor is a counsellor.
func (a Actor) Counsellor() bool { return a.Member && a.Staff.Role == domain.RoleCounsellor }

// Role is the text of the actor's role.
func (a Actor) Role() dialog.Text {
	if a.Member {
		return RoleText(a.Staff.Role)
	}
	return dialog.T("staff.role.admin")
}

// RoleText is the text of a staff role.
func RoleText(r domain.Role) dialog.Text {
	if r == domain.RoleCounsellor {
		return dialog.T("staff.role.counsellor")
	}
	return dialog.T("staff.role.director")
}

// ButtonPrefix starts the data of every button of the rooms; the engine's
// button data never does ("<action>:<version>:..." with other actions).
const ButtonPrefix = "x:"

// ButtonData is the data of a room's button: "x:<action>:<arg>". The route
// table sends a press to the room by its action.
func ButtonData(action, arg string) string { return ButtonPrefix + action + ":" + arg }

// ErrBlocked is what a send returns (wrapped) when the person blocked the
// bot: Telegram answered 403 Forbidden.
var ErrBlocked = errors.New("the person blocked the bot")
