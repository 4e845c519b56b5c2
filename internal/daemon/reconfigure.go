package daemon

import "time"

// Reconfigure applies a changed configuration to the running core (the
// user edited config.json): the refresh lead, automatic refresh and its
// retries, success notices and the file options (aliases) take effect at
// once; every token is re-read and rescheduled, and a token that failed on
// the configuration is tried again, since the edit may be its fix. What a
// running core cannot change (the auth dir, the state file, the check
// interval, the concurrency limits) is kept and named in the result, so
// the caller can say that a restart is needed.
func (d *Daemon) Reconfigure(c Config) (needRestart []string) {
	if c.RefreshAhead <= 0 {
		c.RefreshAhead = 30 * time.Minute
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = 60 * time.Second
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 8
	}
	if c.PerProvider <= 0 {
		c.PerProvider = 4
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	now := d.clock.Now()
	d.optsMu.Lock()
	d.mu.Lock()
	old := d.cfg
	for _, k := range []struct {
		name    string
		changed bool
	}{
		{"authDir", c.AuthDir != old.AuthDir},
		{"state file", c.StatePath != old.StatePath},
		{"checkIntervalSeconds", c.CheckInterval != old.CheckInterval},
		{"maxConcurrentRefreshes", c.MaxConcurrent != old.MaxConcurrent || c.PerProvider != old.PerProvider},
	} {
		if k.changed {
			needRestart = append(needRestart, k.name)
		}
	}
	d.cfg.RefreshAhead = c.RefreshAhead
	d.cfg.AutoRefresh = c.AutoRefresh
	d.cfg.RetryOnFailure = c.RetryOnFailure
	d.cfg.MaxRetries = c.MaxRetries
	d.cfg.NotifySuccess = c.NotifySuccess
	d.cfg.FileOptions = c.FileOptions
	opts := c.FileOptions
	d.opts.Store(&opts)
	d.sourceOptions(opts)
	if d.runCtx != nil && !d.stopping {
		for _, e := range d.entries {
			if e.flight == nil {
				d.planLocked(e, now)
				d.emitLocked(e, now)
			}
		}
	}
	d.mu.Unlock()
	d.optsMu.Unlock()
	d.retryMisconfigured()
	d.FileChanged("") // re-read every file with the new options
	return needRestart
}
