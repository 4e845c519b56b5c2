package notify

// Available reports whether notices reach the desktop now (a connection
// to the OS notification service is up); false means log lines only.
func (d *Desktop) Available() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.be != nil && d.be.Alive()
}
