package cli

import (
	"fmt"
	"runtime/debug"
)

// versionLine is what `routecodex --version` prints: the version (set at
// build time, else the module's), the commit and its date from the build
// info that the go command records (vcs.revision, vcs.time), "unknown"
// where a build recorded none (go build -buildvcs=false, go run).
func versionLine() string {
	version, commit, date := Version, "unknown", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
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
		if modified && commit != "unknown" {
			commit += "-dirty"
		}
	}
	return fmt.Sprintf("%s (commit %s, built %s)", version, commit, date)
}
