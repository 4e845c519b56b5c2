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
)

func init() {
	add(map[Key]string{
		SelFlagAll:         "every token",
		SelFlagProvider:    "only files of this `provider`",
		SelFlagStatus:      "only files in these `statuses` (comma-separated: valid, expiring, expired, refreshing, refresh_failed, needs_reauth, invalid, static, missing)",
		SelFlagExpiring:    "only files that have stopped working or expire within the window",
		SelFlagWithin:      "time `window` of --expiring, such as 2h or 90m (default refreshAheadMinutes)",
		SelFlagHealthBelow: "only files whose health score is below `N` (1–101)",
		SelNoMatch:         "No token matches the selection.",
		ErrSelAllAndNames:  "--all cannot be combined with names: give names, or --all with filters",
		ErrSelStatus:       "--status: unknown status %q (known: %s)",
		ErrSelHealthBelow:  "--health-below %s is not a score between 1 and 101",
	}, map[Key]string{
		SelFlagAll:         "所有 Token",
		SelFlagProvider:    "只选该`提供商`的文件",
		SelFlagStatus:      "只选处于这些`状态`的文件（逗号分隔：valid、expiring、expired、refreshing、refresh_failed、needs_reauth、invalid、static、missing）",
		SelFlagExpiring:    "只选已失效或将在时间窗口内过期的文件",
		SelFlagWithin:      "--expiring 的时间`窗口`，如 2h 或 90m（默认 refreshAheadMinutes）",
		SelFlagHealthBelow: "只选健康度低于 `N` 的文件（1–101）",
		SelNoMatch:         "没有符合所选条件的 Token。",
		ErrSelAllAndNames:  "--all 不能与名称同时使用：请给出名称，或用 --all 加筛选条件",
		ErrSelStatus:       "--status：未知状态 %q（可用：%s）",
		ErrSelHealthBelow:  "--health-below %s 不是 1 到 101 之间的分数",
	})
}
