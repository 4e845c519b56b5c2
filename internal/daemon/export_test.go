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

// Waiters is how many manual Refresh calls wait for name's flight in
// progress (0 when none is).
func (d *Daemon) Waiters(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.entries[name]; e != nil && e.flight != nil {
		return e.flight.waiters
	}
	return 0
}
