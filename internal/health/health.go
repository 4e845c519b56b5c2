// Package health scores a token's health 0–100 from its status, its expiry,
// its refresh record and how much it is used (DESIGN.md section 12). It is
// a pure function of its Input: no clock, no I/O, nothing of ours.
package health

import (
	"fmt"
	"math"
	"time"
)

// Grade is a score's band.
type Grade string

const (
	Healthy   Grade = "healthy"   // score ≥ 80
	Attention Grade = "attention" // 50–79
	Critical  Grade = "critical"  // < 50
)

// Factor names: stable codes that clients word in their language.
const (
	FactorStatus        = "status"
	FactorExpiry        = "expiry"
	FactorRefreshable   = "refreshable"
	FactorSuccessRatio  = "success_ratio"
	FactorFailureStreak = "failure_streak"
	FactorLastRefresh   = "last_refresh"
	FactorUsage         = "usage"
)

// Input is what the score is computed from.
type Input struct {
	Status      string        // the words of DESIGN.md section 3
	Now         time.Time     // the moment of the score
	ExpiresAt   time.Time     // zero: no expiry
	Lead        time.Duration // refresh-ahead lead (refreshAheadMinutes)
	Refreshable bool          // the daemon can refresh it

	// Attempts and Successes count the last refresh attempts (at most 20).
	Attempts  int
	Successes int
	Failures  int       // the current failure streak
	LastOK    time.Time // last successful refresh; zero: none known

	// Uses are broker accesses plus opens of the file by other programs.
	Uses24h int
	Uses7d  int
}

// Factor is one contribution to a score: impact is ≤ 0 (points lost),
// detail a short language-neutral value ("needs_reauth", "12m/30m", "3/20").
type Factor struct {
	Factor string `json:"factor"`
	Impact int    `json:"impact"`
	Detail string `json:"detail"`
}

// Report is a score with its grade and the factors that made it.
type Report struct {
	Score   int      `json:"score"`
	Grade   Grade    `json:"grade"`
	Factors []Factor `json:"factors"`
}

// GradeOf is the band of a score.
func GradeOf(score int) Grade {
	switch {
	case score >= 80:
		return Healthy
	case score >= 50:
		return Attention
	}
	return Critical
}

// Points lost per factor; see the README for the formula.
const (
	lossReauth       = 70 // needs_reauth, missing
	lossInvalid      = 90
	lossExpiredDead  = 70 // expired and cannot be refreshed
	lossExpired      = 35 // expired, refreshable
	lossFailed       = 40 // refresh_failed
	lossLeadMax      = 10 // inside the lead, refreshable: up to this much
	lossLeadDeadMax  = 40 // inside the lead, not refreshable: up to this much
	lossNoRefresh    = 15 // has an expiry, nobody can refresh it
	lossRatioMax     = 30 // all recent attempts failed
	lossPerFailure   = 10 // per failure of the streak…
	lossStreakMax    = 30 // …up to this much
	lossStale        = 10 // no successful refresh for a week
	lossStaleMonth   = 20 // … for a month
	staleAfter       = 7 * 24 * time.Hour
	staleMonthAfter  = 30 * 24 * time.Hour
	usageLossMax     = 20 // used tokens at risk lose up to this much more
	heavyUse24h      = 20
	usageShareHeavy  = 0.5
	usageShareDaily  = 0.25
	usageShareWeekly = 0.1
)

// Score computes the report of in. The risk factors (status, expiry,
// refreshability, record) each take points from 100; usage then takes a
// share of those lost points again, so that a token in use and about to
// fail scores below an idle one in the same state. The score is clamped
// to 0–100.
func Score(in Input) Report {
	var fs []Factor
	add := func(name string, loss int, detail string) {
		if loss > 0 {
			fs = append(fs, Factor{Factor: name, Impact: -loss, Detail: detail})
		}
	}
	hasExpiry := !in.ExpiresAt.IsZero()
	left := in.ExpiresAt.Sub(in.Now)

	switch in.Status {
	case "needs_reauth", "missing":
		add(FactorStatus, lossReauth, in.Status)
	case "invalid":
		add(FactorStatus, lossInvalid, in.Status)
	case "refresh_failed":
		add(FactorStatus, lossFailed, in.Status)
	case "expired":
		if in.Refreshable {
			add(FactorStatus, lossExpired, in.Status)
		} else {
			add(FactorStatus, lossExpiredDead, in.Status)
		}
	}
	live := in.Status != "invalid" && in.Status != "static" && in.Status != "missing"

	// Time left versus the refresh lead, only while it still works.
	if live && hasExpiry && left > 0 && in.Lead > 0 && left < in.Lead {
		frac := 1 - float64(left)/float64(in.Lead)
		limit := lossLeadMax
		if !in.Refreshable {
			limit = lossLeadDeadMax
		}
		add(FactorExpiry, int(math.Ceil(frac*float64(limit))), fmt.Sprintf("%s/%s", short(left), short(in.Lead)))
	}
	if live && hasExpiry && !in.Refreshable && in.Status != "needs_reauth" && in.Status != "expired" {
		add(FactorRefreshable, lossNoRefresh, "no")
	}
	if in.Attempts > 0 {
		ok := min(max(in.Successes, 0), in.Attempts)
		add(FactorSuccessRatio, int(math.Round(lossRatioMax*float64(in.Attempts-ok)/float64(in.Attempts))),
			fmt.Sprintf("%d/%d", ok, in.Attempts))
	}
	if in.Failures > 0 {
		add(FactorFailureStreak, min(lossPerFailure*in.Failures, lossStreakMax), fmt.Sprint(in.Failures))
	}
	if live && in.Refreshable && !in.LastOK.IsZero() {
		since := in.Now.Sub(in.LastOK)
		switch {
		case since >= staleMonthAfter:
			add(FactorLastRefresh, lossStaleMonth, short(since))
		case since >= staleAfter:
			add(FactorLastRefresh, lossStale, short(since))
		}
	}

	risk := 0
	for _, f := range fs {
		risk -= f.Impact
	}
	if risk > 0 && in.Uses7d > 0 {
		share := usageShareWeekly
		switch {
		case in.Uses24h >= heavyUse24h:
			share = usageShareHeavy
		case in.Uses24h > 0:
			share = usageShareDaily
		}
		add(FactorUsage, min(int(math.Ceil(share*float64(risk))), usageLossMax),
			fmt.Sprintf("24h:%d 7d:%d", in.Uses24h, in.Uses7d))
	}

	score := 100
	for _, f := range fs {
		score += f.Impact
	}
	score = min(max(score, 0), 100)
	if fs == nil {
		fs = []Factor{}
	}
	return Report{Score: score, Grade: GradeOf(score), Factors: fs}
}

// short writes a duration as 3d4h, 2h5m or 38m (seconds below a minute).
func short(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 24*time.Hour:
		days := int(d / (24 * time.Hour))
		h := int((d % (24 * time.Hour)) / time.Hour)
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	case d >= time.Hour:
		h := int(d / time.Hour)
		m := int((d % time.Hour) / time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}
