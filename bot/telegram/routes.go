package telegram

import (
	"context"
	"slices"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// Who may use a route. The edge checks it on the server, at every use,
// from the roles as they are now.
type Who int

const (
	// Everyone, without a look at the staff records: what must work when
	// little else does (/exit, /help, the conversation).
	Everyone Who = iota
	// Known is everyone too, but the room needs to know who it is.
	Known
	// Members are directors and counsellors.
	Members
	// Counsellors only.
	Counsellors
	// Admins only (INTAKEBOT_ADMINS).
	Admins
)

func (w Who) allows(a chat.Actor) bool {
	switch w {
	case Members:
		return a.Director() || a.Counsellor()
	case Counsellors:
		return a.Counsellor()
	case Admins:
		return a.Admin
	}
	return true
}

// Menu says in which command menus a command is listed.
type Menu int

const (
	// MenuYoung is the menu of every private chat (the young person's).
	MenuYoung Menu = 1 << iota
	// MenuMembers is the menu of directors and counsellors.
	MenuMembers
	// MenuAdmins is the menu of admins.
	MenuAdmins
)

// Route sends a command or a button to the room that handles it.
type Route struct {
	// Command is the name of a command ("/name"), Aliases other names of
	// it; the room sees the command under Command. Empty for a button.
	Command string
	Aliases []string
	// Button is the action of a room's button (chat.ButtonData).
	Button string
	Who    Who
	// Menu lists the command in menus; its description is the text
	// "cmd.<Command>".
	Menu Menu
	// Help is the text that explains the command in the staff's /help.
	Help string
	// Do handles a command; Press a button, returning the notice shown on
	// the press (none for an empty ID). A button with Do instead answers
	// the press itself (when the answer must come before an edit).
	Do    func(ctx context.Context, req chat.Request, a chat.Actor) error
	Press func(ctx context.Context, req chat.Request, a chat.Actor, arg string) (dialog.Text, error)
}

// Routes is the route table: every command and every room button of the
// bot. Parsing, the command menus of each scope and the staff's /help are
// derived from it.
type Routes struct {
	list     []Route
	commands map[string]int
	buttons  map[string]int
	gone     Route
}

// NewRoutes builds the table; a name used twice or a route without its
// handler is a programming error.
func NewRoutes(routes ...Route) *Routes {
	t := &Routes{list: routes, commands: map[string]int{}, buttons: map[string]int{}}
	for i, r := range routes {
		switch {
		case r.Command != "" && r.Do != nil:
			for _, name := range append([]string{r.Command}, r.Aliases...) {
				if _, dup := t.commands[name]; dup {
					panic("telegram: command routed twice: " + name)
				}
				t.commands[name] = i
			}
		case r.Button != "" && (r.Press != nil || r.Do != nil):
			if _, dup := t.buttons[r.Button]; dup {
				panic("telegram: button routed twice: " + r.Button)
			}
			t.buttons[r.Button] = i
		default:
			panic("telegram: a route needs a command and Do, or a button and Press or Do")
		}
	}
	// A room button that no route knows (an old keyboard, forged data).
	t.gone = Route{Who: Known, Press: func(context.Context, chat.Request, chat.Actor, string) (dialog.Text, error) {
		return dialog.T("staff.gone"), nil
	}}
	return t
}

// find returns the route of an event and, for a button, its argument.
func (t *Routes) find(ev dialog.Event) (Route, string, bool) {
	switch ev.Kind {
	case dialog.EventCommand:
		if i, ok := t.commands[ev.Command]; ok {
			return t.list[i], "", true
		}
	case dialog.EventButton:
		rest, ok := strings.CutPrefix(ev.Data, chat.ButtonPrefix)
		if !ok {
			return Route{}, "", false
		}
		act, arg, _ := strings.Cut(rest, ":")
		if i, ok := t.buttons[act]; ok {
			return t.list[i], arg, true
		}
		return t.gone, "", true
	}
	return Route{}, "", false
}

// Commands lists the commands of a menu, in the order of the table.
func (t *Routes) Commands(m Menu) []string {
	var names []string
	for _, r := range t.list {
		if r.Command != "" && r.Menu&m != 0 {
			names = append(names, r.Command)
		}
	}
	return names
}

// All lists every command name and alias, in the order of the table.
func (t *Routes) All() []string {
	var names []string
	for _, r := range t.list {
		if r.Command != "" {
			names = append(names, r.Command)
			names = append(names, r.Aliases...)
		}
	}
	return names
}

// Help lists the help texts of the commands a person with the menus m may
// use, each once, in the order of the table.
func (t *Routes) Help(m Menu) []dialog.Text {
	var ids []string
	for _, r := range t.list {
		if r.Help != "" && r.Menu&m != 0 && !slices.Contains(ids, r.Help) {
			ids = append(ids, r.Help)
		}
	}
	texts := make([]dialog.Text, 0, len(ids))
	for _, id := range ids {
		texts = append(texts, dialog.T(id))
	}
	return texts
}

// MenusOf are the menus of an actor.
func MenusOf(a chat.Actor) Menu {
	var m Menu
	if a.Director() || a.Counsellor() {
		m |= MenuMembers
	}
	if a.Admin {
		m |= MenuAdmins
	}
	return m
}
