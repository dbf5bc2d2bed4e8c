package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Roles. Whoever sends an update is looked up at the moment it is handled:
// an admin by Options.Admins, a director or counsellor by People.Staff;
// anyone else is a young person. Nothing a button carries decides a role,
// so a forged or old button can never grant one.

// staffPrefix starts the data of every staff button; the engine's button
// data never does ("<action>:<version>:..." with other actions).
const staffPrefix = "x:"

// Staff button actions: "x:<action>:<arg>".
const (
	actStaffLink   = "sl"  // arg: role; an admin makes a staff link
	actRevokeAsk   = "rv"  // arg: user ID; an admin asks to revoke
	actRevokeYes   = "ry"  // arg: user ID
	actRevokeNo    = "rn"  // no arg
	actInviteFor   = "id"  // arg: director's user ID; a counsellor's invite
	actAcknowledge = "ack" // arg: case key
	actOpenSummary = "op"  // arg: case key
	actNewLink     = "nl"  // arg: case key; re-attach an intake
	actEraseYes    = "ey"  // no arg; a young person confirms /delete (bot/erase.go)
	actEraseNo     = "en"  // no arg; a young person keeps their data
	actTakeAlert   = "tk"  // arg: session key; staff take an alert (bot/alert.go)
	actOnCallAdd   = "oa"  // arg: user ID:days:from:to; an admin confirms /oncall add (bot/oncall_confirm.go)
	actOnCallNo    = "on"  // no arg; an admin cancels it
)

// Limits on what staff type.
const (
	maxNameRunes      = 64  // a staff member's name
	maxFirstNameRunes = 64  // the first name of an invite
	maxNoteRunes      = 200 // the note of an invite
	maxLabelRunes     = 24  // a name on a button
)

func staffData(act, arg string) string { return staffPrefix + act + ":" + arg }

// staffCommands are refused to whoever lacks the role for them.
var staffCommands = []string{"staff", "audit", "invite", "cases", "oncall"}

// actor is the person behind an update, as the server sees them now.
type actor struct {
	id       int64
	admin    bool
	isMember bool
	member   domain.StaffMember
	lang     string // the language to speak to them in
}

func (a actor) staff() bool      { return a.admin || a.isMember }
func (a actor) director() bool   { return a.isMember && a.member.Role == domain.RoleDirector }
func (a actor) counsellor() bool { return a.isMember && a.member.Role == domain.RoleCounsellor }

// role is the text of the actor's role.
func (a actor) role() dialog.Text {
	if a.isMember {
		return roleText(a.member.Role)
	}
	return dialog.T("staff.role.admin")
}

func roleText(r domain.Role) dialog.Text {
	if r == domain.RoleCounsellor {
		return dialog.T("staff.role.counsellor")
	}
	return dialog.T("staff.role.director")
}

// actor looks up the sender of an update. Intake and staff work happen in
// private chats only, where the chat ID is the user's ID.
func (b *Bot) actor(ctx context.Context, in incoming) (actor, error) {
	a := actor{id: in.chatID, admin: slices.Contains(b.o.Admins, in.chatID)}
	m, ok, err := b.o.People.Staff(ctx, in.chatID)
	if err != nil {
		return a, err
	}
	a.isMember, a.member = ok, m
	if ok {
		a.lang = b.o.Engine.MatchLanguage(m.Lang)
	} else {
		a.lang = b.o.Engine.MatchLanguage(in.ev.Lang)
	}
	return a, nil
}

// staffLang is the language of what the bot sends a staff member.
func (b *Bot) staffLang(m domain.StaffMember) string { return b.o.Engine.MatchLanguage(m.Lang) }

// route handles, before the engine, what depends on roles: staff commands
// and buttons, /start links, and people without a link to a director.
// done reports that nothing more is to be done; otherwise the engine
// handles the update, after prep (when not nil) prepared the session.
func (b *Bot) route(ctx context.Context, in incoming) (prep func(*dialog.Session), done bool, err error) {
	ev := in.ev
	switch {
	case ev.Kind == dialog.EventButton && strings.HasPrefix(ev.Data, staffPrefix):
		return nil, true, b.staffButton(ctx, in)
	case ev.Kind == dialog.EventCommand && slices.Contains(staffCommands, ev.Command):
		return nil, true, b.staffCommand(ctx, in)
	case ev.Kind == dialog.EventCommand && ev.Command == "start" && ev.Arg != "":
		return b.openLink(ctx, in)
	}
	// A young person in an intake: the engine, without a look at People
	// (the session usually comes from the cache).
	_, found, err := b.o.Store.Load(ctx, sessionKey(in.chatID))
	if err != nil || found {
		return nil, false, err
	}
	return b.firstContact(ctx, in)
}

func sessionKey(chatID int64) string { return strconv.FormatInt(chatID, 10) }

func (b *Bot) staffCommand(ctx context.Context, in incoming) error {
	a, err := b.actor(ctx, in)
	if err != nil {
		return err
	}
	switch in.ev.Command {
	case "staff":
		if !a.admin {
			return b.refuse(ctx, in, a)
		}
		return b.staffOverview(ctx, a)
	case "audit":
		if !a.admin {
			return b.refuse(ctx, in, a)
		}
		return b.auditTrail(ctx, a)
	case "invite":
		if !a.director() && !a.counsellor() {
			return b.refuse(ctx, in, a)
		}
		return b.invite(ctx, a, in.ev.Arg)
	case "cases":
		if !a.director() && !a.counsellor() {
			return b.refuse(ctx, in, a)
		}
		return b.caseload(ctx, a)
	case "oncall":
		if !a.admin {
			return b.refuse(ctx, in, a)
		}
		return b.onCallCommand(ctx, a, in.ev.Arg)
	}
	return nil
}

// staffButton handles a press on a staff button. The press is answered
// once, at the end, with the toast the action chose.
func (b *Bot) staffButton(ctx context.Context, in incoming) error {
	a, err := b.actor(ctx, in)
	if err != nil {
		return err
	}
	act, arg, _ := strings.Cut(strings.TrimPrefix(in.ev.Data, staffPrefix), ":")
	var toast dialog.Text
	switch act {
	case actStaffLink, actRevokeAsk, actRevokeYes, actRevokeNo:
		if !a.admin {
			toast = b.refused(in, a)
			break
		}
		toast, err = b.staffAdminButton(ctx, in, a, act, arg)
	case actInviteFor:
		if !a.counsellor() {
			toast = b.refused(in, a)
			break
		}
		toast, err = b.inviteFor(ctx, in, a, arg)
	case actAcknowledge, actOpenSummary, actNewLink:
		toast, err = b.caseButton(ctx, in, a, act, arg)
	case actTakeAlert:
		toast, err = b.takeAlert(ctx, in, a, arg)
	case actOnCallAdd, actOnCallNo:
		if !a.admin {
			toast = b.refused(in, a)
			break
		}
		toast, err = b.onCallButton(ctx, in, a, act, arg)
	default:
		toast = dialog.T("staff.gone")
	}
	if err != nil {
		return err
	}
	text := ""
	if toast.ID != "" {
		text = PlainText(b.o.Renderer.Text(a.lang, toast))
	}
	b.answerCallback(ctx, in, text)
	return nil
}

// refuse tells someone politely that a command is not for them; nothing
// else happens. (A press gets the same as a toast: see refused.)
func (b *Bot) refuse(ctx context.Context, in incoming, a actor) error {
	b.say(ctx, in.chatID, a.lang, nil, b.refused(in, a))
	return nil
}
