package i18n

// The status block as the plan prints it (DaemonRunning, WatchedDir in
// en.go/zh.go): its PID line.
const DaemonPID Key = "daemon.pid" // %d: PID

func init() {
	add(map[Key]string{DaemonPID: "PID: %d"}, map[Key]string{DaemonPID: "PID: %d"})
}
