package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the demo goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Ctrl-C in the demo (the context ends while it waits for a line) says
// goodbye and exits 0, without an error about the session.
func TestDemoCtrlCEndsCleanly(t *testing.T) {
	stdin, typing := io.Pipe()
	defer typing.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"demo"}, env(nil), stdin, &out, &errOut) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "> ") {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || errOut.String() != "" {
			t.Fatalf("Ctrl-C: exit %d, stderr %q", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		// The demo waits for a line that never comes: Ctrl-C did not end it.
		typing.Write([]byte("1\n"))
		select {
		case code := <-done:
			t.Fatalf("Ctrl-C ended the demo only after the next line: exit %d, stderr %q", code, errOut.String())
		case <-time.After(5 * time.Second):
			t.Fatal("Ctrl-C did not end the demo")
		}
	}
	if !strings.Contains(out.String(), "Tot ziens") {
		t.Errorf("no goodbye:\n%s", out.String())
	}
}

// demoUntilReview runs the scripted answers up to the review, then extra.
func demoUntilReview(t *testing.T, extra string) string {
	t.Helper()
	script, err := os.ReadFile("testdata/demo_answers.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(script)), "\n")
	in := strings.Join(lines[:len(lines)-1], "\n") + "\n" + extra
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, env(nil), strings.NewReader(in), &out, &out); code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	return out.String()
}

// /start during the review shows the review again with the same numbers:
// the number of Versturen still sends.
func TestDemoStartDuringReviewKeepsTheNumbers(t *testing.T) {
	before := demoUntilReview(t, "")
	send := regexp.MustCompile(`\[(\d+)\] 📨 Versturen`).FindAllStringSubmatch(before, -1)
	if len(send) == 0 {
		t.Fatalf("no send button in the review:\n%s", before)
	}
	n := send[len(send)-1][1]
	out := demoUntilReview(t, "/start\n"+n+"\n")
	after := out[strings.LastIndex(out, "/start"):]
	if !strings.Contains(out, "Dit krijgt de procesregisseur") {
		t.Fatalf("[%s] no longer sends after /start:\n%s", n, after)
	}
}

// A typed number presses only a button on the screen: after a message
// without buttons (a too long answer, a pause) it is not stored as an
// answer.
func TestDemoNumberWithoutAButtonIsNotAnAnswer(t *testing.T) {
	long := strings.Repeat("x", 2001)
	for name, steps := range map[string]string{"after a too long answer": long + "\n1\n", "after a pause": "/pause\n1\n"} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			// consent, age, start, then the steps on the first question.
			code := run(context.Background(), []string{"demo"}, env(nil), strings.NewReader("1\n2\n1\n"+steps), &out, &out)
			if code != 0 {
				t.Fatalf("demo exited %d:\n%s", code, out.String())
			}
			if strings.Contains(out.String(), "Vraag 2 van") || strings.Contains(out.String(), "Is je bericht je antwoord") {
				t.Fatalf("a number without a button on the screen went in as an answer:\n%s", out.String())
			}
		})
	}
}

// demo -h prints its usage and exits 0.
func TestDemoHelpPrintsUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "-h"}, env(nil), strings.NewReader(""), &out, &errOut)
	all := out.String() + errOut.String()
	if code != 0 || strings.Contains(all, "help requested") || !strings.Contains(all, "-lang") {
		t.Fatalf("demo -h: exit %d, output:\n%s", code, all)
	}
}
