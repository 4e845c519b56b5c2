package i18n

// Keys of the selectors of list, refresh, login and export, the health
// score and batch operations (DESIGN.md section 12).
const (
	SelFlagAll         Key = "sel.flagAll"
	SelFlagProvider    Key = "sel.flagProvider"
	SelFlagStatus      Key = "sel.flagStatus"
	SelFlagExpiring    Key = "sel.flagExpiring"
	SelFlagWithin      Key = "sel.flagWithin"
	SelFlagHealthBelow Key = "sel.flagHealthBelow"
	SelNoMatch         Key = "sel.noMatch"
	ErrSelAllAndNames  Key = "sel.errAllAndNames"
	ErrSelStatus       Key = "sel.errStatus"      // %q: word, %s: known list
	ErrSelHealthBelow  Key = "sel.errHealthBelow" // %s: value
	ErrListSort        Key = "list.errSort"       // %s: value
	HeaderHealth       Key = "header.health"
	GradeHealthy       Key = "health.grade.healthy"
	GradeAttention     Key = "health.grade.attention"
	GradeCritical      Key = "health.grade.critical"
	// Health factors, by the codes of internal/health.
	FactorStatus        Key = "health.factor.status"
	FactorExpiry        Key = "health.factor.expiry"
	FactorRefreshable   Key = "health.factor.refreshable"
	FactorSuccessRatio  Key = "health.factor.success_ratio"
	FactorFailureStreak Key = "health.factor.failure_streak"
	FactorLastRefresh   Key = "health.factor.last_refresh"
	FactorUsage         Key = "health.factor.usage"
	// The web UI's health and selection.
	WebHealthFactors   Key = "web.healthFactors"
	WebHealthNoFactors Key = "web.healthNoFactors"
	WebSelectAll       Key = "web.selectAll"
	WebSelected        Key = "web.selected" // %d
	WebRefreshSelected Key = "web.refreshSelected"
	WebReloginSelected Key = "web.reloginSelected"
	WebOpens           Key = "web.opens"
	TrayHealth         Key = "tray.health" // %d score, %s grade
)

// GradeLabel words a health grade (healthy, attention, critical).
func GradeLabel(lang Lang, grade string) string {
	if s, ok := Lookup(lang, Key("health.grade."+grade)); ok {
		return s
	}
	return grade
}

func init() {
	add(map[Key]string{
		SelFlagAll:          "every token",
		SelFlagProvider:     "only files of this `provider`",
		SelFlagStatus:       "only files in these `statuses` (comma-separated: valid, expiring, expired, refreshing, refresh_failed, needs_reauth, invalid, static, missing)",
		SelFlagExpiring:     "only files that have stopped working or expire within the window",
		SelFlagWithin:       "time `window` of --expiring, such as 2h or 90m (default refreshAheadMinutes)",
		SelFlagHealthBelow:  "only files whose health score is below `N` (1–101)",
		SelNoMatch:          "No token matches the selection.",
		ErrSelAllAndNames:   "--all cannot be combined with names: give names, or --all with filters",
		ErrSelStatus:        "--status: unknown status %q (known: %s)",
		ErrSelHealthBelow:   "--health-below %s is not a score between 1 and 101",
		ErrListSort:         "--sort %q: use file or health",
		HeaderHealth:        "Health",
		GradeHealthy:        "healthy",
		GradeAttention:      "attention",
		GradeCritical:       "critical",
		FactorStatus:        "status",
		FactorExpiry:        "time left / refresh lead",
		FactorRefreshable:   "cannot be refreshed",
		FactorSuccessRatio:  "successful refreshes (last 20)",
		FactorFailureStreak: "failures in a row",
		FactorLastRefresh:   "since the last successful refresh",
		FactorUsage:         "in use (24 h / 7 days)",
		WebHealthFactors:    "What lowers the score",
		WebHealthNoFactors:  "Nothing: a clean record.",
		WebSelectAll:        "Select all",
		WebSelected:         "%d selected",
		WebRefreshSelected:  "Refresh selected",
		WebReloginSelected:  "Log in again (selected)",
		WebOpens:            "Opens by other programs (24 h / 7 days)",
		TrayHealth:          "health %d (%s)",
	}, map[Key]string{
		SelFlagAll:          "所有 Token",
		SelFlagProvider:     "只选该`提供商`的文件",
		SelFlagStatus:       "只选处于这些`状态`的文件（逗号分隔：valid、expiring、expired、refreshing、refresh_failed、needs_reauth、invalid、static、missing）",
		SelFlagExpiring:     "只选已失效或将在时间窗口内过期的文件",
		SelFlagWithin:       "--expiring 的时间`窗口`，如 2h 或 90m（默认 refreshAheadMinutes）",
		SelFlagHealthBelow:  "只选健康度低于 `N` 的文件（1–101）",
		SelNoMatch:          "没有符合所选条件的 Token。",
		ErrSelAllAndNames:   "--all 不能与名称同时使用：请给出名称，或用 --all 加筛选条件",
		ErrSelStatus:        "--status：未知状态 %q（可用：%s）",
		ErrSelHealthBelow:   "--health-below %s 不是 1 到 101 之间的分数",
		ErrListSort:         "--sort %q：请用 file 或 health",
		HeaderHealth:        "健康度",
		GradeHealthy:        "健康",
		GradeAttention:      "注意",
		GradeCritical:       "危险",
		FactorStatus:        "状态",
		FactorExpiry:        "剩余时间 / 提前刷新时间",
		FactorRefreshable:   "无法刷新",
		FactorSuccessRatio:  "成功刷新（最近 20 次）",
		FactorFailureStreak: "连续失败次数",
		FactorLastRefresh:   "距上次成功刷新",
		FactorUsage:         "使用中（24 小时 / 7 天）",
		WebHealthFactors:    "扣分项",
		WebHealthNoFactors:  "无：记录良好。",
		WebSelectAll:        "全选",
		WebSelected:         "已选 %d 个",
		WebRefreshSelected:  "刷新所选",
		WebReloginSelected:  "重新登录所选",
		WebOpens:            "其他程序打开次数（24 小时 / 7 天）",
		TrayHealth:          "健康度 %d（%s）",
	})
}
