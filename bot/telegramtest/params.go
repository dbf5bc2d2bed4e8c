package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBodySize caps a request body, like Telegram's 50 MB upload limit.
const maxBodySize = 50 << 20

// File is a file uploaded in a multipart/form-data request.
type File struct {
	Field       string // form field name, e.g. "document"
	Filename    string // file name given by the client
	ContentType string // content type of the part as sent
	Data        []byte // the bytes; do not modify
}

// parseParams reads the parameters of an API request: the URL query, then a
// body in multipart/form-data, application/json or
// application/x-www-form-urlencoded (the body wins over the query).
func parseParams(r *http.Request) (map[string]string, map[string]File, error) {
	params := map[string]string{}
	files := map[string]File{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
	if err != nil {
		return params, files, fmt.Errorf("can't read request body: %w", err)
	}
	if len(body) > maxBodySize {
		return params, files, errors.New("request entity too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// go-telegram/bot sends an empty body (with a multipart content type)
		// for methods without parameters.
		return params, files, nil
	}
	mediaType, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		err = parseMultipart(body, mtParams["boundary"], params, files)
	case "application/json":
		err = parseJSONParams(body, params)
	case "application/x-www-form-urlencoded":
		err = parseFormParams(body, params)
	case "":
		if body[0] == '{' {
			err = parseJSONParams(body, params)
		} else {
			err = parseFormParams(body, params)
		}
	default:
		err = fmt.Errorf("unsupported content type %q", mediaType)
	}
	return params, files, err
}

func parseMultipart(body []byte, boundary string, params map[string]string, files map[string]File) error {
	if boundary == "" {
		return errors.New("multipart body without boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("can't parse multipart body: %w", err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return fmt.Errorf("can't read multipart field %q: %w", part.FormName(), err)
		}
		// A part is a file when it has a file name or a content type of its
		// own; go-telegram/bot sets both for uploads and neither for fields.
		if part.FileName() != "" || part.Header.Get("Content-Type") != "" {
			files[part.FormName()] = File{
				Field:       part.FormName(),
				Filename:    part.FileName(),
				ContentType: part.Header.Get("Content-Type"),
				Data:        data,
			}
			continue
		}
		params[part.FormName()] = string(data)
	}
}

// parseJSONParams flattens a JSON object: strings as they are, null
// dropped, everything else as compact JSON text (as a form field would carry
// it).
func parseJSONParams(body []byte, params map[string]string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return errors.New("can't parse JSON object")
	}
	for k, raw := range obj {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("can't parse field %q", k)
			}
			params[k] = s
		default:
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return fmt.Errorf("can't parse field %q", k)
			}
			params[k] = buf.String()
		}
	}
	return nil
}

func parseFormParams(body []byte, params map[string]string) error {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return errors.New("can't parse form body")
	}
	for k, v := range values {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	return nil
}

// intParam reads an integer parameter. A missing or empty one gives ok ==
// false; one that is not an integer gives an error.
func intParam(p map[string]string, key string) (v int64, ok bool, err error) {
	s := strings.TrimSpace(p[key])
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		// JSON bodies may carry numbers such as 1e3 or 12.0.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false, fmt.Errorf("field %q must be an integer", key)
		}
		v = int64(f)
	}
	return v, true, nil
}

// boolParam reads a boolean parameter ("true"/"1"; anything else is false).
func boolParam(p map[string]string, key string) bool {
	switch strings.ToLower(strings.TrimSpace(p[key])) {
	case "true", "1":
		return true
	}
	return false
}
