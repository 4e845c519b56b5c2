package safefile

import "io/fs"

// Windows has no O_NOFOLLOW; the profile's ACL guards the home.
const noFollow = 0

func isLinkError(error) bool { return false }

// checkOwner: Windows ACLs are not POSIX owners and modes; the user's
// profile directory is private by default.
func checkOwner(string, fs.FileInfo) error { return nil }
