package crisis

import (
	"strings"
	"testing"
)

// BenchmarkCrisisTable is the cost of checking one message, averaged over
// every sentence of the tables of every language (most of them short,
// a third ordinary).
func BenchmarkCrisisTable(b *testing.B) {
	c := mustCrisisWords(b)
	var msgs []string
	for _, tab := range readTables() {
		msgs = append(msgs, tab.trigger...)
		msgs = append(msgs, tab.ordinary...)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Match(msgs[i%len(msgs)])
	}
}

// BenchmarkCrisisLongAnswer is the cost of checking a long ordinary answer
// (about 1,500 characters).
func BenchmarkCrisisLongAnswer(b *testing.B) {
	c := mustCrisisWords(b)
	msg := strings.Repeat("Ik wil graag een eigen plek, dichtbij mijn school en mijn vrienden. Mijn begeleider helpt me met geld. ", 15)
	b.ReportAllocs()
	for b.Loop() {
		c.Match(msg)
	}
}
