package daemon

import (
	"testing"
	"time"
)

func TestUsageBookCountsBatchesOfOpens(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 30, 0, 0, time.UTC)
	b := &usageBook{}
	b.add(now.Add(-2 * time.Hour))
	b.add(now)
	b.hours[len(b.hours)-1].N += 4 // as RecordOpens does for a batch of 5
	u := b.at(now)
	if u.Last24h != 6 || u.Last7d != 6 || !u.LastAccess.Equal(now) {
		t.Errorf("usage %+v, want 6 in 24 h and 7 days, last at %v", u, now)
	}
	if u := b.at(now.Add(25 * time.Hour)); u.Last24h != 0 || u.Last7d != 6 {
		t.Errorf("a day later: %+v", u)
	}
}
