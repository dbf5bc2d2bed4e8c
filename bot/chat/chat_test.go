package chat_test

import (
	"testing"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
)

// A chat's pseudonym in the logs equals its case's pseudonym in the audit
// trail, is stable, and depends on the key.
func TestPseudonymsOfAChatAndItsCaseMatch(t *testing.T) {
	p := chat.NewPseudonyms([]byte("key one"))
	if p.Of(4242) != p.OfKey(chat.SessionKey(4242)) {
		t.Fatal("a chat and its session key have different pseudonyms")
	}
	if p.Of(4242) != chat.NewPseudonyms([]byte("key one")).Of(4242) {
		t.Fatal("a pseudonym is not stable")
	}
	if p.Of(4242) == chat.NewPseudonyms([]byte("key two")).Of(4242) || p.Of(4242) == p.Of(4243) {
		t.Fatal("pseudonyms collide")
	}
	if p.OfKey("") != "" || len(p.Of(1)) != 12 {
		t.Fatalf("pseudonym %q", p.Of(1))
	}
}

func TestSessionKeysRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 4242, -100123} {
		if got := chat.ParseSessionKey(chat.SessionKey(id)); got != id {
			t.Errorf("%d came back as %d", id, got)
		}
	}
	if chat.ParseSessionKey("demo") != 0 {
		t.Error("a key that is no chat parsed as one")
	}
}

func TestActorRoles(t *testing.T) {
	director := chat.Actor{Member: true, Staff: domain.StaffMember{Role: domain.RoleDirector}}
	counsellor := chat.Actor{Member: true, Staff: domain.StaffMember{Role: domain.RoleCounsellor}}
	admin := chat.Actor{Admin: true}
	young := chat.Actor{}
	if !director.Director() || director.Counsellor() || !director.IsStaff() {
		t.Error("director")
	}
	if !counsellor.Counsellor() || counsellor.Director() || !counsellor.IsStaff() {
		t.Error("counsellor")
	}
	if !admin.IsStaff() || admin.Director() || admin.Role().ID != "staff.role.admin" {
		t.Error("admin")
	}
	if young.IsStaff() || young.Director() || young.Counsellor() {
		t.Error("a young person has a role")
	}
	if chat.ButtonData("tk", "42") != "x:tk:42" {
		t.Error(chat.ButtonData("tk", "42"))
	}
}
