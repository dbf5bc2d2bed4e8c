package chat

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// QueuedAlert is an alert the edge could not hand to the alerts room as the
// update was handled: the store was down, or the chat's earlier updates were
// still waiting. It is kept in the spool (durably, in order) and raised when
// the store answers. It holds no word the young person wrote: only whose
// alert it is, why, when, and the update it came with.
type QueuedAlert struct {
	Chat   int64            `json:"c"`
	Kind   dialog.AlertKind `json:"k"`
	At     time.Time        `json:"t"`
	Update int64            `json:"u"`
}

// Encode is a's form in the spool.
func (a QueuedAlert) Encode() []byte {
	data, _ := json.Marshal(a) // a struct of numbers, a short string and a time: never fails
	return data
}

// DecodeQueuedAlert reads an alert from the spool.
func DecodeQueuedAlert(data []byte) (QueuedAlert, error) {
	var a QueuedAlert
	if err := json.Unmarshal(data, &a); err != nil {
		return QueuedAlert{}, err
	}
	if a.Chat == 0 || (a.Kind != dialog.AlertUrgent && a.Kind != dialog.AlertSignal) {
		return QueuedAlert{}, errors.New("chat: not a queued alert")
	}
	return a, nil
}
