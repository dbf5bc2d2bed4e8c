package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkScrape is one GET /metrics through the ops handler, as
// Prometheus does it every scrape interval.
func BenchmarkScrape(b *testing.B) {
	h := OpsHandler(func(context.Context) error { return nil }, everyMetric())
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkCountOneUpdate is what counting costs one update on the hot
// path: the handled counter, a sent message and the latency histogram.
func BenchmarkCountOneUpdate(b *testing.B) {
	m := &Metrics{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Updates.Add(1)
			m.Sent.Add(1)
			m.Observe(7 * time.Millisecond)
		}
	})
}
