package memory

import (
	"reflect"
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/storetest"
)

func TestRemindersContract(t *testing.T) {
	storetest.RunReminders(t, func(t *testing.T, clock storetest.Clock) (storetest.Reminders, func(t *testing.T) storetest.Reminders) {
		rs := NewReminders(clock.Now)
		return rs, func(*testing.T) storetest.Reminders { return rs }
	})
}

func TestRemindersHasTheMethodsOfStorage(t *testing.T) {
	rt, mt := reflect.TypeOf((*storage.Reminders)(nil)), reflect.TypeOf((*Reminders)(nil))
	if rt.NumMethod() != mt.NumMethod() {
		t.Fatalf("%s has %d methods, %s %d", mt, mt.NumMethod(), rt, rt.NumMethod())
	}
	for i := range rt.NumMethod() {
		m := rt.Method(i)
		o, ok := mt.MethodByName(m.Name)
		if !ok || o.Type.String()[len("func("+mt.String()):] != m.Type.String()[len("func("+rt.String()):] {
			t.Errorf("%s.%s missing or of another type", mt, m.Name)
		}
	}
}
