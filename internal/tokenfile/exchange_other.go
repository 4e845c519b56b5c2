//go:build !linux && !darwin

package tokenfile

// exchange: no atomic swap of two names here; Write falls back to a check
// followed by a rename.
func exchange(a, b string) error { return errNoExchange }
