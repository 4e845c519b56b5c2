//go:build !darwin || cgo

package tray

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"fyne.io/systray"
)

// ran guards systray.Run, which works once per process.
var ran atomic.Bool

// runSystray shows the tray for c until ctx ends or the user quits.
func runSystray(ctx context.Context, c *controller) error {
	if err := checkDesktop(c); err != nil {
		return err
	}
	if !ran.CompareAndSwap(false, true) {
		return ErrAlreadyRan
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.quit = sync.OnceFunc(systray.Quit)

	ready := make(chan *view, 1)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); c.follow(ctx) }()
	go func() {
		defer wg.Done()
		select {
		case v := <-ready:
			v.loop(ctx)
		case <-ctx.Done():
		}
	}()
	go func() { defer wg.Done(); <-ctx.Done(); c.quit() }()

	// The native loop (Windows) must stay on the thread that made its
	// window; on macOS the caller must be the main goroutine anyway.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	systray.Run(func() { ready <- newView(ctx, c) }, cancel)
	cancel()
	wg.Wait()
	return nil
}

// view mirrors a Menu into systray items. Token lines live in a pool of
// submenu items that are relabelled, shown and hidden, never removed:
// removing a systray item closes its click channel, which races with a
// click being delivered.
type view struct {
	ctx context.Context
	c   *controller

	status   *systray.MenuItem
	commands []*systray.MenuItem

	mu      sync.Mutex
	pool    []*systray.MenuItem
	actions []Action // by position, for the token lines shown
	shown   []Entry  // what each pooled item shows now
	visible int

	level   Level
	tooltip string
}

// newView builds the items for c's current menu. It runs as systray's
// onReady callback and must not block.
func newView(ctx context.Context, c *controller) *view {
	m := c.menu()
	v := &view{ctx: ctx, c: c, level: -1}
	systray.SetTitle(m.Title)
	v.status = systray.AddMenuItem(m.StatusTitle, "")
	for _, e := range m.Commands {
		if e.SeparatorBefore {
			systray.AddSeparator()
		}
		item := systray.AddMenuItem(e.Label, e.Tooltip)
		if !e.Enabled {
			item.Disable()
		}
		v.commands = append(v.commands, item)
		go v.clicks(item, func() Action { return e.Action })
	}
	v.render(m)
	return v
}

// loop re-renders on every change and every relabelEvery until ctx ends.
func (v *view) loop(ctx context.Context) {
	for {
		select {
		case <-v.c.changed:
		case <-v.c.opts.after(relabelEvery):
		case <-ctx.Done():
			return
		}
		v.render(v.c.menu())
	}
}

// render applies m, touching only what changed: every systray call is a
// D-Bus signal on Linux.
func (v *view) render(m Menu) {
	if m.Level != v.level {
		systray.SetIcon(iconFor(m.Level))
		v.level = m.Level
	}
	if m.Tooltip != v.tooltip {
		systray.SetTooltip(m.Tooltip)
		v.tooltip = m.Tooltip
	}
	for i, e := range m.Commands {
		if i < len(v.commands) && e.Enabled == v.commands[i].Disabled() {
			if e.Enabled {
				v.commands[i].Enable()
			} else {
				v.commands[i].Disable()
			}
		}
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	for i, e := range m.Tokens {
		if i == len(v.pool) {
			item := v.status.AddSubMenuItem(e.Label, e.Tooltip)
			if !e.Enabled {
				item.Disable()
			}
			v.pool = append(v.pool, item)
			v.shown = append(v.shown, e)
			idx := i
			go v.clicks(item, func() Action { return v.action(idx) })
			continue
		}
		item, old := v.pool[i], v.shown[i]
		if e.Label != old.Label {
			item.SetTitle(e.Label)
		}
		if e.Tooltip != old.Tooltip {
			item.SetTooltip(e.Tooltip)
		}
		if e.Enabled != old.Enabled {
			if e.Enabled {
				item.Enable()
			} else {
				item.Disable()
			}
		}
		if i >= v.visible {
			item.Show()
		}
		v.shown[i] = e
	}
	for i := len(m.Tokens); i < v.visible; i++ {
		v.pool[i].Hide()
	}
	v.visible = len(m.Tokens)
	v.actions = v.actions[:0]
	for _, e := range m.Tokens {
		v.actions = append(v.actions, e.Action)
	}
}

// action is what a click on the token line at idx does now.
func (v *view) action(idx int) Action {
	v.mu.Lock()
	defer v.mu.Unlock()
	if idx < len(v.actions) {
		return v.actions[idx]
	}
	return Action{}
}

// clicks turns the clicks of item into actions. systray drops a click when
// nobody is receiving, so the work runs on its own goroutine.
func (v *view) clicks(item *systray.MenuItem, action func() Action) {
	for range item.ClickedCh {
		if a := action(); a.Kind != ActionNone {
			go v.c.do(v.ctx, a)
		}
	}
}

func iconFor(l Level) []byte {
	if runtime.GOOS == "windows" {
		return iconICO(l)
	}
	return iconPNG(l)
}
