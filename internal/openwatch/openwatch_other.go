//go:build !linux

package openwatch

import "context"

type osWatcher struct{}

func (*osWatcher) arm(string) error { return ErrUnsupported }

// Run reports nothing: New never succeeds here.
func (w *Watcher) Run(context.Context, func(string, int)) error { return ErrUnsupported }

// Close releases the watch.
func (w *Watcher) Close() error { return nil }
