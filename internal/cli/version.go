package cli

import (
	"runtime/debug"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// buildInfo is the version (set at build time, else the module's), the
// commit and its date from the build info that the go command records
// (vcs.revision, vcs.time); "" where a build recorded none (go build
// -buildvcs=false, go run, a git worktree).
func buildInfo() (version, commit, date string) {
	version = Version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, "", ""
	}
	if version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
			if len(commit) > 12 {
				commit = commit[:12]
			}
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && commit != "" {
		commit += "-dirty"
	}
	return version, commit, date
}

// versionLine is what `routecodex --version` prints, in lang:
// "routecodex v1.2.0 (commit 0123456789ab, built 2026-12-01T10:00:00Z)".
func versionLine(lang i18n.Lang) string {
	version, commit, date := buildInfo()
	orUnknown := func(s string) string {
		if s == "" {
			return i18n.T(lang, i18n.VersionUnknown)
		}
		return s
	}
	return i18n.T(lang, i18n.VersionLine, "routecodex", version, orUnknown(commit), orUnknown(date))
}
