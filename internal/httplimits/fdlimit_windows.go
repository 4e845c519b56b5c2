package httplimits

// fdLimit: Windows has no small per-process handle limit.
func fdLimit() int { return 1 << 20 }
