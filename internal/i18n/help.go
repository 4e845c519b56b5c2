package i18n

// Help texts of the command line (internal/cli/help.go explains the
// key names: help.<command path>.short|long|example|flag.<name>).

// Cobra's own words in its usage template, and the version line.
const (
	HelpUsage       Key = "help.word.usage"
	HelpAliases     Key = "help.word.aliases"
	HelpExamples    Key = "help.word.examples"
	HelpAvailable   Key = "help.word.available"
	HelpAdditional  Key = "help.word.additional"
	HelpFlags       Key = "help.word.flags"
	HelpGlobalFlags Key = "help.word.globalFlags"
	HelpTopics      Key = "help.word.topics"
	HelpCommandArg  Key = "help.word.commandArg"
	HelpMore        Key = "help.word.more"    // %s: command path
	VersionLine     Key = "version.line"      // %s program, %s version, %s commit, %s build date
	VersionUnknown  Key = "version.unknown"   //
	HelpDefault     Key = "help.word.default" // %s: the flag's default
)

func init() {
	add(map[Key]string{
		HelpUsage:       "Usage:",
		HelpAliases:     "Aliases:",
		HelpExamples:    "Examples:",
		HelpAvailable:   "Available Commands:",
		HelpAdditional:  "Additional Commands:",
		HelpFlags:       "Flags:",
		HelpGlobalFlags: "Global Flags:",
		HelpTopics:      "Additional help topics:",
		HelpCommandArg:  "[command]",
		HelpMore:        `Use "%s [command] --help" for more information about a command.`,
		VersionLine:     "%s %s (commit %s, built %s)",
		VersionUnknown:  "unknown",
		HelpDefault:     " (default %s)",

		"help.flag.help":            "help for %s",
		"help.flag.version":         "version for %s",
		"help.flag.no-descriptions": "leave the descriptions out of the completions",

		"help.root.short":       "RouteCodex companion tools",
		"help.root.flag.config": "config `file` (default $ROUTECODEX_CONFIG or <home>/config.json)",
		"help.root.flag.lang":   "`language` of the output: zh or en (default from config or LANG)",

		"help.help.short": "Help about any command",
		"help.help.long":  "Shows the help of any command: routecodex help [command path].",

		"help.start.short":       "Run the RouteCodex server (with --daemon: and the token daemon beside it)",
		"help.start.flag.daemon": "make sure the token daemon runs; stop it afterwards if this command started it",

		"help.token-daemon.short": "Keep RouteCodex's OAuth token files valid",
		"help.token-daemon.long": "Keeps RouteCodex's OAuth token files valid: watches the auth dir, refreshes\n" +
			"each token before it expires, and when a token can no longer be refreshed,\n" +
			"tells you and opens the login page in your browser.",

		"help.token-daemon.start.short":           "Start the token daemon in the background (or in this terminal with --foreground)",
		"help.token-daemon.start.flag.foreground": "run in this terminal (for systemd, launchd, containers)",
		"help.token-daemon.stop.short":            "Stop the token daemon and wait until it is gone",
		"help.token-daemon.status.short":          "Show the daemon and every token; exit 3 when the daemon is not running",
		"help.token-daemon.status.flag.json":      "print the status as JSON",
		"help.token-daemon.list.short":            "List the token files of the auth dir (works without the daemon)",
		"help.token-daemon.list.flag.expiring":    "only files that have stopped working or expire within the window",
		"help.token-daemon.list.flag.within":      "time `window` of --expiring, such as 2h or 90m (default refreshAheadMinutes)",
		"help.token-daemon.list.flag.provider":    "only files of this `provider`",
		"help.token-daemon.list.flag.json":        `print {"tokens":[…]} as JSON`,
		"help.token-daemon.list.flag.sort":        "order: file (by name) or health (lowest score first)",
		"help.token-daemon.refresh.short":         "Refresh tokens now (through the daemon, or in this process when none runs)",
		"help.token-daemon.refresh.flag.all":      "refresh every refreshable token",
		"help.token-daemon.login.short":           "Log in again for a token file, or add an account of a provider, in the browser",
		"help.token-daemon.login.flag.alias":      "`alias` of a new account (its file name is <provider>-oauth-<n>-<alias>.json)",
		"help.token-daemon.login.flag.no-browser": "print the URL instead of opening a browser (e.g. over SSH)",
		"help.token-daemon.tray.short":            "Show the tray menu (a client of the running daemon)",
		"help.token-daemon.ui.short":              "Open the web dashboard of the running token daemon",
		"help.token-daemon.ui.flag.no-browser":    "print the URL instead of opening a browser (e.g. over SSH)",

		"help.completion.short": "Generate the autocompletion script for the specified shell",
		"help.completion.long": "Generates the autocompletion script of routecodex for bash, zsh, fish or\n" +
			"powershell. The help of each shell's command says how to load it.",
		"help.completion.bash.short": "Generate the autocompletion script for bash",
		"help.completion.bash.long": "Generates the autocompletion script for bash (it needs the bash-completion package).\n\n" +
			"To load it in this shell:\n  source <(routecodex completion bash)\n\n" +
			"To load it in every new shell:\n" +
			"  Linux: routecodex completion bash > /etc/bash_completion.d/routecodex\n" +
			"  macOS: routecodex completion bash > $(brew --prefix)/etc/bash_completion.d/routecodex",
		"help.completion.zsh.short": "Generate the autocompletion script for zsh",
		"help.completion.zsh.long": "Generates the autocompletion script for zsh.\n\n" +
			"If completion is not enabled in zsh yet, enable it once:\n  echo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\n" +
			"To load it in this shell:\n  source <(routecodex completion zsh)\n\n" +
			"To load it in every new shell:\n" +
			"  Linux: routecodex completion zsh > \"${fpath[1]}/_routecodex\"\n" +
			"  macOS: routecodex completion zsh > $(brew --prefix)/share/zsh/site-functions/_routecodex",
		"help.completion.fish.short": "Generate the autocompletion script for fish",
		"help.completion.fish.long": "Generates the autocompletion script for fish.\n\n" +
			"To load it in this shell:\n  routecodex completion fish | source\n\n" +
			"To load it in every new shell:\n  routecodex completion fish > ~/.config/fish/completions/routecodex.fish",
		"help.completion.powershell.short": "Generate the autocompletion script for powershell",
		"help.completion.powershell.long": "Generates the autocompletion script for powershell.\n\n" +
			"To load it in this shell:\n  routecodex completion powershell | Out-String | Invoke-Expression\n\n" +
			"To load it in every new shell, add the line above to your PowerShell profile.",
	}, map[Key]string{
		HelpUsage:       "用法：",
		HelpAliases:     "别名：",
		HelpExamples:    "示例：",
		HelpAvailable:   "可用命令：",
		HelpAdditional:  "其他命令：",
		HelpFlags:       "选项：",
		HelpGlobalFlags: "全局选项：",
		HelpTopics:      "其他帮助主题：",
		HelpCommandArg:  "[命令]",
		HelpMore:        `运行 "%s [命令] --help" 查看命令的详细说明。`,
		VersionLine:     "%s %s（提交 %s，构建于 %s）",
		VersionUnknown:  "未知",
		HelpDefault:     "（默认 %s）",

		"help.flag.help":            "显示 %s 的帮助",
		"help.flag.version":         "显示 %s 的版本",
		"help.flag.no-descriptions": "补全中不显示说明",

		"help.root.short":       "RouteCodex 配套工具",
		"help.root.flag.config": "配置文件（默认 $ROUTECODEX_CONFIG 或 <home>/config.json）",
		"help.root.flag.lang":   "输出语言：zh 或 en（默认取配置或 LANG）",

		"help.help.short": "任意命令的帮助",
		"help.help.long":  "显示任意命令的帮助：routecodex help [命令路径]。",

		"help.start.short":       "运行 RouteCodex 服务器（加 --daemon：同时运行 Token 守护进程）",
		"help.start.flag.daemon": "确保 Token 守护进程在运行；若由本命令启动，结束时一并停止",

		"help.token-daemon.short": "保持 RouteCodex 的 OAuth Token 文件有效",
		"help.token-daemon.long": "保持 RouteCodex 的 OAuth Token 文件有效：监控认证目录，在每个 Token\n" +
			"过期前刷新它；Token 无法再刷新时通知你，并在浏览器中打开登录页面。",

		"help.token-daemon.start.short":           "在后台启动 Token 守护进程（加 --foreground 则在当前终端运行）",
		"help.token-daemon.start.flag.foreground": "在当前终端运行（用于 systemd、launchd、容器）",
		"help.token-daemon.stop.short":            "停止 Token 守护进程并等待它退出",
		"help.token-daemon.status.short":          "显示守护进程和每个 Token 的状态；守护进程未运行时退出码为 3",
		"help.token-daemon.status.flag.json":      "以 JSON 输出状态",
		"help.token-daemon.list.short":            "列出认证目录中的 Token 文件（无需守护进程）",
		"help.token-daemon.list.flag.expiring":    "只列出已失效或将在时间窗口内过期的文件",
		"help.token-daemon.list.flag.within":      "--expiring 的时间窗口，如 2h 或 90m（默认 refreshAheadMinutes）",
		"help.token-daemon.list.flag.provider":    "只列出该提供商的文件",
		"help.token-daemon.list.flag.json":        `以 JSON 输出 {"tokens":[…]}`,
		"help.token-daemon.list.flag.sort":        "排序：file（按文件名）或 health（健康度最低的在前）",
		"help.token-daemon.refresh.short":         "立即刷新 Token（通过守护进程；它未运行时在当前进程中刷新）",
		"help.token-daemon.refresh.flag.all":      "刷新所有可刷新的 Token",
		"help.token-daemon.login.short":           "在浏览器中为 Token 文件重新登录，或为提供商添加账号",
		"help.token-daemon.login.flag.alias":      "新账号的别名（文件名为 <provider>-oauth-<n>-<alias>.json）",
		"help.token-daemon.login.flag.no-browser": "只打印网址，不打开浏览器（例如通过 SSH 登录时）",
		"help.token-daemon.tray.short":            "显示托盘菜单（运行中守护进程的客户端）",
		"help.token-daemon.ui.short":              "打开运行中 Token 守护进程的网页控制台",
		"help.token-daemon.ui.flag.no-browser":    "只打印网址，不打开浏览器（例如通过 SSH 登录时）",

		"help.completion.short": "生成指定 shell 的自动补全脚本",
		"help.completion.long": "为 bash、zsh、fish 或 powershell 生成 routecodex 的自动补全脚本。\n" +
			"加载方法见各 shell 子命令的帮助。",
		"help.completion.bash.short": "生成 bash 的自动补全脚本",
		"help.completion.bash.long": "生成 bash 的自动补全脚本（需要 bash-completion 软件包）。\n\n" +
			"在当前 shell 中加载：\n  source <(routecodex completion bash)\n\n" +
			"在每个新 shell 中加载：\n" +
			"  Linux：routecodex completion bash > /etc/bash_completion.d/routecodex\n" +
			"  macOS：routecodex completion bash > $(brew --prefix)/etc/bash_completion.d/routecodex",
		"help.completion.zsh.short": "生成 zsh 的自动补全脚本",
		"help.completion.zsh.long": "生成 zsh 的自动补全脚本。\n\n" +
			"如果 zsh 尚未启用补全，先启用一次：\n  echo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\n" +
			"在当前 shell 中加载：\n  source <(routecodex completion zsh)\n\n" +
			"在每个新 shell 中加载：\n" +
			"  Linux：routecodex completion zsh > \"${fpath[1]}/_routecodex\"\n" +
			"  macOS：routecodex completion zsh > $(brew --prefix)/share/zsh/site-functions/_routecodex",
		"help.completion.fish.short": "生成 fish 的自动补全脚本",
		"help.completion.fish.long": "生成 fish 的自动补全脚本。\n\n" +
			"在当前 shell 中加载：\n  routecodex completion fish | source\n\n" +
			"在每个新 shell 中加载：\n  routecodex completion fish > ~/.config/fish/completions/routecodex.fish",
		"help.completion.powershell.short": "生成 powershell 的自动补全脚本",
		"help.completion.powershell.long": "生成 powershell 的自动补全脚本。\n\n" +
			"在当前 shell 中加载：\n  routecodex completion powershell | Out-String | Invoke-Expression\n\n" +
			"要在每个新 shell 中加载，把上面这行加入 PowerShell 配置文件（profile）。",
	})
}
