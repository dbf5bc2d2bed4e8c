package memory

import (
	"reflect"
	"testing"

	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/remindstore/remindtest"
	"github.com/intakebot/intakebot/storage/storetest"
)

func TestRemindersContract(t *testing.T) {
	remindtest.Run(t, func(t *testing.T, clock storetest.Clock) (remindtest.Reminders, func(t *testing.T) remindtest.Reminders) {
		rs := NewReminders(clock.Now)
		return rs, func(*testing.T) remindtest.Reminders { return rs }
	})
}

func TestRemindersHasTheMethodsOfStorage(t *testing.T) {
	rt, mt := reflect.TypeOf((*remindstore.Reminders)(nil)), reflect.TypeOf((*Reminders)(nil))
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
