package telegramtest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"time"
)

// botAPI is the bot's side of the server: the HTTP front that reads and
// records each call, and one handler per Bot API method.
type botAPI struct {
	*state
}

// request is one API call as a handler sees it.
type request struct {
	ctx    context.Context
	params map[string]string
	files  map[string]File
	// kill, for getUpdates, is closed when a later getUpdates arrives.
	kill chan struct{}
}

// response is what a handler answers: a result when status is 200.
type response struct {
	status      int
	result      any
	raw         []byte // a result already in JSON, used instead of result
	description string
	retryAfter  int
}

func okResult(v any) response { return response{status: http.StatusOK, result: v} }

func failure(status int, description string) response {
	return response{status: status, description: description}
}

func badRequest(description string) response {
	return failure(http.StatusBadRequest, "Bad Request: "+description)
}

// methodSpec is a supported API method. Handlers run with mu held, except
// those marked unlocked (getUpdates, which long-polls).
type methodSpec struct {
	name     string
	handle   func(a *botAPI, r *request) response
	unlocked bool
}

// methods maps lower-case method names (Telegram ignores case) to handlers.
var methods = map[string]methodSpec{}

func init() {
	for _, m := range []methodSpec{
		{name: "getUpdates", handle: (*botAPI).getUpdates, unlocked: true},
		{name: "getMe", handle: (*botAPI).getMe},
		{name: "setWebhook", handle: (*botAPI).setWebhook},
		{name: "deleteWebhook", handle: (*botAPI).deleteWebhook},
		{name: "getWebhookInfo", handle: (*botAPI).getWebhookInfo},
		{name: "setMyCommands", handle: (*botAPI).setMyCommands},
		{name: "deleteMyCommands", handle: (*botAPI).deleteMyCommands},
		{name: "sendChatAction", handle: (*botAPI).sendChatAction},
		{name: "answerCallbackQuery", handle: (*botAPI).answerCallbackQuery},
		{name: "sendMessage", handle: (*botAPI).sendMessage},
		{name: "editMessageText", handle: (*botAPI).editMessageText},
		{name: "editMessageReplyMarkup", handle: (*botAPI).editMessageReplyMarkup},
		{name: "deleteMessage", handle: (*botAPI).deleteMessage},
		{name: "deleteMessages", handle: (*botAPI).deleteMessages},
		{name: "sendDocument", handle: (*botAPI).sendDocument},
	} {
		methods[strings.ToLower(m.name)] = m
	}
}

// splitPath splits "/bot<token>/<method>" (also ".../test/<method>", the
// test environment path of go-telegram/bot).
func splitPath(path string) (token, method string, ok bool) {
	rest, found := strings.CutPrefix(path, "/bot")
	if !found {
		return "", "", false
	}
	token, method, found = strings.Cut(rest, "/")
	method = strings.TrimPrefix(method, "test/")
	if !found || token == "" || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// ServeHTTP answers one Bot API request: it checks the token, the method
// and the fault function, records the call, runs the method's handler and
// writes Telegram's JSON envelope.
func (a *botAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, name, ok := splitPath(r.URL.Path)
	if !ok {
		writeResponse(w, failure(http.StatusNotFound, "Not Found"))
		return
	}
	params, files, parseErr := parseParams(r)
	spec, known := methods[strings.ToLower(name)]
	if known {
		name = spec.name
	}
	call := Call{Method: name, Token: token, Params: params, Files: files, Time: time.Now()}

	a.mu.Lock()
	faultFn, want := a.fault, a.token
	a.mu.Unlock()

	var resp response
	var spoil Fault
	switch {
	case want != "" && token != want:
		resp = failure(http.StatusUnauthorized, "Unauthorized")
	case !known:
		resp = failure(http.StatusNotFound, "Not Found")
	case parseErr != nil:
		resp = badRequest(parseErr.Error())
	case faultFn != nil:
		if f := faultFn(name, maps.Clone(params)); f != nil {
			call.Faulted = true
			if spoil = *f; spoil.Spoil == SpoilNone {
				resp = f.response()
			}
		}
	}

	if resp.status == 0 && !call.Faulted {
		if limited, ok := a.admit(name, params, call.Time); !ok {
			resp = limited
		}
	}

	req := &request{ctx: r.Context(), params: params, files: files}
	a.mu.Lock()
	if resp.status == 0 && spec.unlocked {
		// getUpdates confirms with its offset before it waits: do that in
		// the same step as recording the call, so whoever sees the call
		// also sees the confirmation (getUpdates applies it again, which
		// changes nothing).
		a.confirmOffsetLocked(params)
		// A later poll ends this one, as with Telegram: decided here, in
		// the order the calls are recorded, not when they get to wait.
		if a.poll != nil {
			close(a.poll)
		}
		req.kill = make(chan struct{})
		a.poll = req.kill
	}
	call.Seq = a.recordLocked(call)
	if resp.status == 0 && !spec.unlocked {
		resp = spec.handle(a, req)
	}
	if resp.status != 0 {
		a.finishLocked(call, resp)
	}
	hook := a.onCall
	a.mu.Unlock()

	if resp.status == 0 { // a long poll: handled without the lock
		resp = spec.handle(a, req)
		a.mu.Lock()
		a.finishLocked(call, resp)
		hook = a.onCall
		a.mu.Unlock()
	}
	if hook != nil {
		call.Status = resp.status
		if resp.status != http.StatusOK {
			call.Description = resp.description
		}
		if !a.opts.noHistory {
			call = call.clone() // the log holds the maps too
		}
		hook(call)
	}
	if spoil.Spoil != SpoilNone && a.spoilAnswer(w, r, spoil, &resp) {
		return
	}
	writeResponse(w, resp)
}

func (f *Fault) response() response {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
		if f.RetryAfter > 0 {
			status = http.StatusTooManyRequests
		}
	}
	desc := f.Description
	if desc == "" {
		switch status {
		case http.StatusTooManyRequests:
			desc = "Too Many Requests: retry after " + itoa(int64(f.RetryAfter))
		case http.StatusForbidden:
			desc = "Forbidden: bot was blocked by the user"
		case http.StatusBadRequest:
			desc = "Bad Request"
		default:
			desc = http.StatusText(status)
		}
	}
	return response{status: status, description: desc, retryAfter: f.RetryAfter}
}

type envelope struct {
	OK          bool        `json:"ok"`
	Result      any         `json:"result,omitempty"`
	ErrorCode   int         `json:"error_code,omitempty"`
	Description string      `json:"description,omitempty"`
	Parameters  *errorParam `json:"parameters,omitempty"`
}

type errorParam struct {
	RetryAfter int `json:"retry_after"`
}

func writeResponse(w http.ResponseWriter, resp response) {
	if resp.status == http.StatusOK && resp.raw != nil {
		body := make([]byte, 0, len(resp.raw)+len(`{"ok":true,"result":}`))
		body = append(body, `{"ok":true,"result":`...)
		body = append(body, resp.raw...)
		body = append(body, '}')
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	env := envelope{OK: resp.status == http.StatusOK}
	if env.OK {
		env.Result = resp.result
	} else {
		env.ErrorCode, env.Description = resp.status, resp.description
		if resp.retryAfter > 0 {
			env.Parameters = &errorParam{RetryAfter: resp.retryAfter}
		}
	}
	body, err := json.Marshal(env)
	if err != nil {
		resp = failure(http.StatusInternalServerError, "Internal Server Error: "+err.Error())
		body, _ = json.Marshal(envelope{ErrorCode: resp.status, Description: resp.description})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}
