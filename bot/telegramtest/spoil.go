package telegramtest

import (
	"encoding/json"
	"net/http"
	"time"
)

// spoilAnswer spoils the answer of a call that was handled, as f says. It
// reports true when it answered (or hung up) itself; false leaves resp,
// perhaps changed, to be written as usual.
func (a *botAPI) spoilAnswer(w http.ResponseWriter, r *http.Request, f Fault, resp *response) bool {
	switch f.Spoil {
	case SpoilOddBody:
		if resp.status == http.StatusOK {
			resp.raw, resp.result = oddResult(*resp), nil
		}
		return false
	case SpoilCut:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("telegramtest: SpoilCut needs HTTP/1.1")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return true
	case SpoilSlow:
		d := f.Delay
		if d <= 0 {
			d = 10 * time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-a.done:
		}
		return false
	}
	return false
}

// oddResult is the JSON of resp's result in a shape go-telegram/bot can't
// decode but that is still valid JSON: in an object, "date" becomes a
// string and a field of a new kind appears; any other result becomes an
// object holding it.
func oddResult(resp response) []byte {
	raw := resp.raw
	if raw == nil {
		var err error
		if raw, err = json.Marshal(resp.result); err != nil {
			return []byte(`{"unexpected":true}`)
		}
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		if d, ok := obj["date"]; ok {
			b, _ := json.Marshal(d)
			obj["date"] = string(b) + "Z"
		} else {
			obj["date"] = "soon"
		}
		obj["paid_star_count"] = map[string]any{"amount": 0, "nanos": []int{0}}
		out, _ := json.Marshal(obj)
		return out
	}
	out, _ := json.Marshal(map[string]json.RawMessage{"value": raw, "schema": json.RawMessage(`"v2"`)})
	return out
}
