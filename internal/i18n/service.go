package i18n

// The user service: `token-daemon install` / `uninstall`, and what start
// and stop say when the service is installed (internal/install).
const (
	InstallShort      Key = "service.installShort"
	InstallNowFlag    Key = "service.installNowFlag"
	UninstallShort    Key = "service.uninstallShort"
	ServiceWritten    Key = "service.written"   // %s: path, %s: manager
	ServiceReplaced   Key = "service.replaced"  // %s: path, %s: manager
	ServiceUnchanged  Key = "service.unchanged" // %s: path
	ServiceRan        Key = "service.ran"       // %s: command
	ServiceAtLogin    Key = "service.atLogin"
	ServiceRunsNow    Key = "service.runsNow"    // %d: PID
	ServiceNoManager  Key = "service.noManager"  // %v: why
	ServiceManual     Key = "service.manual"     // (commands follow)
	ServiceUnitIs     Key = "service.unitIs"     // %s: path
	ServiceRemoved    Key = "service.removed"    // %s: path, %s: manager
	ServiceNone       Key = "service.none"       // %s: path
	ServiceHandover   Key = "service.handover"   // %d: PID
	ServiceNotRunning Key = "service.notRunning" // %s: manager, %s: log
	ServiceTempBinary Key = "service.tempBinary" // %s: path
	ServiceStarted    Key = "service.started"    // %d: PID, %s: manager
	ServiceRunning    Key = "service.running"    // %d: PID, %s: manager
	ServiceNoStart    Key = "service.noStart"    // %s: manager, %v: why
	ServiceStopped    Key = "service.stopped"    // %s: manager
	ServiceComesBack  Key = "service.comesBack"  // %s: command
	ServiceStopNote   Key = "service.stopNote"   // %s: manager, %s: command
	ServiceHomeFlag   Key = "service.homeFlag"
)

func init() {
	add(map[Key]string{
		InstallShort:      "Install the token daemon as a user service (systemd, launchd, Task Scheduler); --now also starts it",
		InstallNowFlag:    "also start the service now",
		UninstallShort:    "Stop the user service and remove it",
		ServiceWritten:    "Wrote %s (%s user service).",
		ServiceReplaced:   "Updated %s (%s user service).",
		ServiceUnchanged:  "%s is installed already, unchanged.",
		ServiceRan:        "Ran: %s",
		ServiceAtLogin:    "It starts at every login; to start it now: routecodex token-daemon start",
		ServiceRunsNow:    "The service runs the token daemon now (PID %d).",
		ServiceNoManager:  "No user service manager answers (%v).",
		ServiceManual:     "To enable it, run:",
		ServiceUnitIs:     "%s:",
		ServiceRemoved:    "Removed %s (%s user service).",
		ServiceNone:       "No user service is installed (%s does not exist).",
		ServiceHandover:   "Stopped the token daemon that ran outside the service (PID %d), so that the service runs it.",
		ServiceNotRunning: "The %s service did not bring the token daemon up; see %s.",
		ServiceTempBinary: "%s is a temporary build (go run); build the binary (go build) and run its install.",
		ServiceStarted:    "Token daemon started through the %[2]s user service (PID %[1]d).",
		ServiceRunning:    "Token daemon already running (PID %d); the %s user service is installed.",
		ServiceNoStart:    "The %s user service is installed, but no user service manager answers (%v); starting the daemon directly.",
		ServiceStopped:    "Token daemon stopped through the %s user service.",
		ServiceComesBack:  "It starts again at your next login; to keep it off: %s (or routecodex token-daemon uninstall).",
		ServiceStopNote:   "The %s user service is installed: it starts the daemon again at your next login; to keep it off: %s (or routecodex token-daemon uninstall).",
		ServiceHomeFlag:   "the RouteCodex home (the Windows logon task passes ROUTECODEX_HOME this way)",
	}, map[Key]string{
		InstallShort:      "将 token 守护进程安装为用户服务（systemd、launchd、任务计划程序）；--now 同时启动",
		InstallNowFlag:    "同时立即启动服务",
		UninstallShort:    "停止并移除用户服务",
		ServiceWritten:    "已写入 %s（%s 用户服务）。",
		ServiceReplaced:   "已更新 %s（%s 用户服务）。",
		ServiceUnchanged:  "%s 已安装，未改动。",
		ServiceRan:        "已执行：%s",
		ServiceAtLogin:    "服务将在每次登录时启动；立即启动：routecodex token-daemon start",
		ServiceRunsNow:    "服务已在运行 token 守护进程（PID %d）。",
		ServiceNoManager:  "没有可用的用户服务管理器（%v）。",
		ServiceManual:     "如需启用，请运行：",
		ServiceUnitIs:     "%s：",
		ServiceRemoved:    "已移除 %s（%s 用户服务）。",
		ServiceNone:       "未安装用户服务（%s 不存在）。",
		ServiceHandover:   "已停止在服务之外运行的 token 守护进程（PID %d），改由服务运行。",
		ServiceNotRunning: "%s 服务未能启动 token 守护进程；请查看 %s。",
		ServiceTempBinary: "%s 是临时构建（go run）；请先构建二进制文件（go build），再用它安装。",
		ServiceStarted:    "Token 守护进程已通过 %[2]s 用户服务启动（PID %[1]d）。",
		ServiceRunning:    "Token 守护进程已在运行（PID %d）；已安装 %s 用户服务。",
		ServiceNoStart:    "已安装 %s 用户服务，但没有可用的用户服务管理器（%v）；直接启动守护进程。",
		ServiceStopped:    "Token 守护进程已通过 %s 用户服务停止。",
		ServiceComesBack:  "下次登录时会再次启动；如需保持关闭：%s（或 routecodex token-daemon uninstall）。",
		ServiceStopNote:   "已安装 %s 用户服务：下次登录时它会再次启动守护进程；如需保持关闭：%s（或 routecodex token-daemon uninstall）。",
		ServiceHomeFlag:   "RouteCodex 主目录（Windows 登录任务以此传递 ROUTECODEX_HOME）",
	})
}
