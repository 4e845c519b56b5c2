package daemon

import "github.com/routecodex/token-daemon/internal/tokenfile"

// Sync returns once the daemon's loop has handled everything queued before
// it and re-armed its timer: tests call it before advancing the fake clock.
func (d *Daemon) Sync() {
	ch := make(chan struct{})
	d.syncReq <- ch
	<-ch
}

// SetWriter replaces tokenfile.Write (to simulate a full or read-only
// disk). Call before Run.
func (d *Daemon) SetWriter(w func(path string, u tokenfile.Update, ifRefreshToken *string) (tokenfile.WriteResult, error)) {
	d.write = w
}
