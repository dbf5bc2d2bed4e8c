package bot_test

import (
	"encoding/json"
	"slices"

	"github.com/go-telegram/bot/models"

	"context"
	"testing"

	"github.com/intakebot/intakebot/bot/telegram"
)

// Adding a command touches the route table, its handler and the locale
// files: every routed command has its menu text, and every staff command
// its help, in every language.
func TestEveryRoutedCommandHasItsTextsInEveryLanguage(t *testing.T) {
	h := prepare(t, nil)
	cat := catalog(t)
	routes := h.b.Routes()
	if len(routes.All()) < 15 {
		t.Fatalf("only %d commands routed: %v", len(routes.All()), routes.All())
	}
	for _, name := range routes.Commands(telegram.MenuYoung | telegram.MenuMembers | telegram.MenuAdmins) {
		if !cat.HasEverywhere("cmd." + name) {
			t.Errorf("command /%s has no menu text cmd.%s in every language", name, name)
		}
	}
	for _, m := range []telegram.Menu{telegram.MenuMembers, telegram.MenuAdmins} {
		help := routes.Help(m)
		if len(help) == 0 {
			t.Errorf("menu %d has no help", m)
		}
		for _, text := range help {
			if !cat.HasEverywhere(text.ID) {
				t.Errorf("help text %s is missing in a language", text.ID)
			}
		}
	}
	// The menus list what the staff may use, and /help last.
	for _, name := range routes.Commands(telegram.MenuMembers | telegram.MenuAdmins) {
		if name == "help" || name == "start" {
			t.Errorf("/%s is in a staff menu twice", name)
		}
	}
	// The young person's menu, registered in each language, is the
	// table's, in its order.
	h.b.RegisterMenus(context.Background(), cat.Languages(), cat.Default())
	want := routes.Commands(telegram.MenuYoung)
	if len(want) != 10 {
		t.Fatalf("young person's menu: %v", want)
	}
	calls := h.api.CallsTo("setMyCommands")
	if len(calls) != len(cat.Languages())+1 {
		t.Fatalf("%d menus registered, want one per language and the default", len(calls))
	}
	for _, c := range calls {
		var cmds []models.BotCommand
		if err := json.Unmarshal([]byte(c.Params["commands"]), &cmds); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, cmd := range cmds {
			got = append(got, cmd.Command)
			if cmd.Description == "" {
				t.Errorf("/%s has no description in %q", cmd.Command, c.Params["language_code"])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("menu in %q: %v, want %v", c.Params["language_code"], got, want)
		}
	}
}
