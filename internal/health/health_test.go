package health

import (
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

const lead = 30 * time.Minute

// fresh is a token just refreshed with a clean record.
func fresh() Input {
	return Input{Status: "valid", Now: now, ExpiresAt: now.Add(time.Hour), Lead: lead, Refreshable: true,
		Attempts: 20, Successes: 20, LastOK: now.Add(-time.Minute)}
}

func with(f func(*Input)) Input { in := fresh(); f(&in); return in }

func TestScoreFactors(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		score   int
		grade   Grade
		factors []Factor
	}{
		{"fresh, clean record", fresh(), 100, Healthy, []Factor{}},
		{"fresh and used: no risk, no loss", with(func(in *Input) { in.Uses24h, in.Uses7d = 50, 200 }), 100, Healthy, []Factor{}},
		{"no record at all (a file read from disk)", Input{Status: "valid", Now: now, ExpiresAt: now.Add(time.Hour), Lead: lead, Refreshable: true}, 100, Healthy, []Factor{}},
		{"api key without expiry", Input{Status: "valid", Now: now}, 100, Healthy, []Factor{}},
		{"static", Input{Status: "static", Now: now, ExpiresAt: now.Add(-time.Hour)}, 100, Healthy, []Factor{}},
		{"inside the lead, refreshable", with(func(in *Input) { in.Status, in.ExpiresAt = "expiring", now.Add(15*time.Minute) }), 95, Healthy,
			[]Factor{{FactorExpiry, -5, "15m/30m"}}},
		{"inside the lead, nobody can refresh", with(func(in *Input) {
			in.Status, in.ExpiresAt, in.Refreshable = "expiring", now.Add(15*time.Minute), false
		}), 65, Attention, []Factor{{FactorExpiry, -20, "15m/30m"}, {FactorRefreshable, -15, "no"}}},
		{"expired, refreshable", with(func(in *Input) { in.Status, in.ExpiresAt = "expired", now.Add(-time.Minute) }), 65, Attention,
			[]Factor{{FactorStatus, -35, "expired"}}},
		{"expired, cannot be refreshed", with(func(in *Input) { in.Status, in.ExpiresAt, in.Refreshable = "expired", now.Add(-time.Minute), false }), 30, Critical,
			[]Factor{{FactorStatus, -70, "expired"}}},
		{"needs_reauth is critical", with(func(in *Input) { in.Status = "needs_reauth" }), 30, Critical,
			[]Factor{{FactorStatus, -70, "needs_reauth"}}},
		{"invalid is critical", Input{Status: "invalid", Now: now}, 10, Critical, []Factor{{FactorStatus, -90, "invalid"}}},
		{"missing is critical", with(func(in *Input) { in.Status = "missing" }), 30, Critical, []Factor{{FactorStatus, -70, "missing"}}},
		{"refresh_failed", with(func(in *Input) { in.Status = "refresh_failed" }), 60, Attention, []Factor{{FactorStatus, -40, "refresh_failed"}}},
		{"a few failed attempts", with(func(in *Input) { in.Successes = 15 }), 92, Healthy, []Factor{{FactorSuccessRatio, -8, "15/20"}}},
		{"every attempt failed", with(func(in *Input) { in.Attempts, in.Successes = 4, 0 }), 70, Attention, []Factor{{FactorSuccessRatio, -30, "0/4"}}},
		{"a failure streak", with(func(in *Input) { in.Failures = 2 }), 80, Healthy, []Factor{{FactorFailureStreak, -20, "2"}}},
		{"a long failure streak is capped", with(func(in *Input) { in.Failures = 9 }), 70, Attention, []Factor{{FactorFailureStreak, -30, "9"}}},
		{"no refresh for a week", with(func(in *Input) { in.LastOK = now.Add(-8 * 24 * time.Hour) }), 90, Healthy, []Factor{{FactorLastRefresh, -10, "8d"}}},
		{"no refresh for a month", with(func(in *Input) { in.LastOK = now.Add(-40 * 24 * time.Hour) }), 80, Healthy, []Factor{{FactorLastRefresh, -20, "40d"}}},
		{"everything wrong is clamped at 0", Input{Status: "invalid", Now: now, Attempts: 20, Failures: 5, Uses24h: 30, Uses7d: 30}, 0, Critical,
			[]Factor{{FactorStatus, -90, "invalid"}, {FactorSuccessRatio, -30, "0/20"}, {FactorFailureStreak, -30, "5"}, {FactorUsage, -20, "24h:30 7d:30"}}},
		{"combined: failing, streak, used today", with(func(in *Input) {
			in.Status, in.Successes, in.Failures, in.Uses24h, in.Uses7d = "refresh_failed", 17, 3, 5, 12
		}), 6, Critical, []Factor{{FactorStatus, -40, "refresh_failed"}, {FactorSuccessRatio, -5, "17/20"}, {FactorFailureStreak, -30, "3"}, {FactorUsage, -19, "24h:5 7d:12"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(tt.in)
			if got.Score != tt.score || got.Grade != tt.grade || !reflect.DeepEqual(got.Factors, tt.factors) {
				t.Errorf("got  %d %s %+v\nwant %d %s %+v", got.Score, got.Grade, got.Factors, tt.score, tt.grade, tt.factors)
			}
			sum := 100
			for _, f := range got.Factors {
				if f.Impact >= 0 {
					t.Errorf("factor %s has impact %d; only losses are listed", f.Factor, f.Impact)
				}
				sum += f.Impact
			}
			if want := min(max(sum, 0), 100); want != got.Score {
				t.Errorf("score %d is not 100 plus the impacts (%d)", got.Score, want)
			}
		})
	}
}

// A token that is used and about to fail scores worse than an idle one in
// the same state, and more use is worse still.
func TestUsedTokenAtRiskScoresBelowIdle(t *testing.T) {
	states := map[string]func(*Input){
		"expiring, not refreshable": func(in *Input) { in.Status, in.ExpiresAt, in.Refreshable = "expiring", now.Add(5*time.Minute), false },
		"needs_reauth":              func(in *Input) { in.Status = "needs_reauth" },
		"refresh_failed":            func(in *Input) { in.Status = "refresh_failed" },
		"failing attempts":          func(in *Input) { in.Successes, in.Failures = 10, 2 },
	}
	for name, state := range states {
		idle := Score(with(state)).Score
		weekly := Score(with(func(in *Input) { state(in); in.Uses7d = 3 })).Score
		daily := Score(with(func(in *Input) { state(in); in.Uses24h, in.Uses7d = 2, 3 })).Score
		heavy := Score(with(func(in *Input) { state(in); in.Uses24h, in.Uses7d = 40, 90 })).Score
		if !(heavy < daily && daily < weekly && weekly < idle) {
			t.Errorf("%s: heavy %d, daily %d, weekly %d, idle %d: want strictly decreasing with use", name, heavy, daily, weekly, idle)
		}
	}
}

func TestGradeBands(t *testing.T) {
	for score, want := range map[int]Grade{100: Healthy, 80: Healthy, 79: Attention, 50: Attention, 49: Critical, 0: Critical} {
		if got := GradeOf(score); got != want {
			t.Errorf("GradeOf(%d) = %s, want %s", score, got, want)
		}
	}
}
