package cli

// sourcefiles.go: the wiring of tokenDaemon.sources (DESIGN.md section 15):
// the sources' files beside the auth dir's in every listing, the core's
// Sources port, and a watcher per source directory.

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/sources"
	"github.com/routecodex/token-daemon/internal/tokenfile"
	"github.com/routecodex/token-daemon/internal/watch"
)

// sourceSet is the set of the configured sources, nil when there are none.
func sourceSet(s *Settings, opts tokenfile.Options) *sources.Set {
	if len(s.Sources) == 0 {
		return nil
	}
	return sources.New(s.Sources, opts, sources.Options{})
}

// coreSources is the core's Sources port: nil (an interface without a
// value) when no source is configured.
func coreSources(s *Settings, opts tokenfile.Options) daemon.Sources {
	if set := sourceSet(s, opts); set != nil {
		return set
	}
	return nil
}

// sourceFiles reads the sources' files, for commands without a daemon.
func sourceFiles(s *Settings, opts tokenfile.Options) []*tokenfile.File {
	if set := sourceSet(s, opts); set != nil {
		return set.Scan()
	}
	return nil
}

// watchSources watches the directory of every source until ctx ends and
// tells the core of each change by the file's unique name; a directory
// that appears or disappears asks for a rescan.
func watchSources(ctx context.Context, s *Settings, logger *slog.Logger, core *daemon.Daemon) error {
	var wg sync.WaitGroup
	for _, src := range s.Sources {
		opts := watch.Options{Logger: logger.With("source", src.Name)}
		if !sources.IsDir(src.Format) {
			opts.Only = filepath.Base(src.Path)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := watch.Run(ctx, src.Dir(), opts, func(base string) {
				if base == "" {
					core.SourceChanged("")
					return
				}
				core.SourceChanged(src.NameOf(base))
			})
			if err != nil {
				// One source that cannot be watched (a file system without
				// events) must not stop the daemon and the other sources.
				logger.Warn("cannot watch a source; its changes are seen only at a restart", "source", src.Name, "err", err)
			}
		}()
	}
	wg.Wait()
	return nil
}

// sourceNote is what the token table adds to the status of another tool's
// file: that it is only watched, and the tool's own login when only a
// login helps.
func sourceNote(lang i18n.Lang, t ipc.Token) string {
	note := ""
	if t.Watch {
		note += " · " + i18n.T(lang, i18n.SourcesWatchMark)
	}
	if t.Login != "" && (t.Status == string(tokenfile.StatusNeedsReauth) || t.Status == string(tokenfile.StatusMissing)) {
		note += " · " + i18n.T(lang, i18n.SourcesLoginHint, oneLine(t.Login))
	}
	return note
}
