package i18n

// `token-daemon export` and `import` (DESIGN.md section 13), and the web
// UI's export and import.
const (
	ErrKeyBoth            Key = "transfer.errKeyBoth"
	ErrBadRecipient       Key = "transfer.errBadRecipient"    // %s: the value
	ErrReadFile           Key = "transfer.errReadFile"        // %s: file, %s: why
	ErrEmptyPassphrase    Key = "transfer.errEmptyPassphrase" // %s: file
	ErrNoPassphrase       Key = "transfer.errNoPassphrase"    // %s: env name
	ErrPassphraseMismatch Key = "transfer.errPassphraseMismatch"
	// ErrNoPassphraseImport: %s: env name
	ErrNoPassphraseImport  Key = "transfer.errNoPassphraseImport"
	ExportWhyTooLarge      Key = "export.whyTooLarge"
	ExportWhyNotExportable Key = "export.whyNotExportable"
	PromptPassphrase       Key = "transfer.promptPassphrase"
	PromptPassphraseAgain  Key = "transfer.promptPassphraseAgain"

	ErrExportArgs     Key = "export.errArgs"
	ErrExportNothing  Key = "export.errNothing"
	ErrExportNoOut    Key = "export.errNoOut"
	ErrExportOutDir   Key = "export.errOutDir" // %s: path
	ErrExportFile     Key = "export.errFile"   // %s: file, %s: why
	ErrExportWrite    Key = "export.errWrite"  // %s: path, %s: why
	ErrHandoff        Key = "export.errHandoff"
	ErrHandoffBusy    Key = "export.errHandoffBusy" // %s: file
	ExportFile        Key = "export.file"           // %s: file
	ExportHandedOff   Key = "export.handedOff"      // %s: file
	ExportForkWarning Key = "export.forkWarning"    // %s: file, %s: provider
	ExportNoSecrets   Key = "export.noSecrets"
	ExportDone        Key = "export.done" // %d: count, %s: path
	// ExportSourceSkipped: %s: file, %s: its tool's login command
	ExportSourceSkipped Key = "export.sourceSkipped"

	ErrOnConflict        Key = "import.errOnConflict"  // %s: the value
	ErrBundleWrongKey    Key = "import.errWrongKey"    // %s: file
	ErrBundleCorrupt     Key = "import.errCorrupt"     // %s: file
	ErrBundleNotBundle   Key = "import.errNotBundle"   // %s: file
	ErrBundleNewer       Key = "import.errNewer"       // %s: file, %d: its version, %d: ours
	ErrImportFailed      Key = "import.errFailed"      // %d: count
	ImportDryRun         Key = "import.dryRun"         //
	ImportCreate         Key = "import.create"         // %s: file
	ImportCreated        Key = "import.created"        // %s: file
	ImportReplaced       Key = "import.replaced"       // %s: file, %s: target
	ImportRenamed        Key = "import.renamed"        // %s: file, %s: new name
	ImportReplace        Key = "import.replace"        // %s: file, %s: target
	ImportRename         Key = "import.rename"         // %s: file, %s: new name
	ImportSame           Key = "import.same"           // %s: file, %s: target
	ImportSkip           Key = "import.skip"           // %s: file, %s: why
	ImportFailed         Key = "import.failed"         // %s: file, %s: why
	ImportAliasesAdded   Key = "import.aliasesAdded"   // %s: files
	ImportAliasesKept    Key = "import.aliasesKept"    // %s: files
	ImportProvidersAdded Key = "import.providersAdded" // %s: names
	ImportProvidersKept  Key = "import.providersKept"  // %s: names
)

func init() {
	add(map[Key]string{
		ErrKeyBoth:             "give either --recipient or a passphrase, not both",
		ErrBadRecipient:        "--recipient %q is not an age public key (age1…)",
		ErrReadFile:            "cannot read %s: %s",
		ErrEmptyPassphrase:     "the passphrase is empty (%s)",
		ErrNoPassphrase:        "no passphrase: give --passphrase-file FILE, set %s, or run it in a terminal (or encrypt to --recipient age1…)",
		ErrPassphraseMismatch:  "the two passphrases differ; nothing was written",
		ErrNoPassphraseImport:  "no passphrase: give --passphrase-file FILE, set %s, or run it in a terminal (a bundle encrypted to an age public key opens with --identity FILE)",
		ExportWhyTooLarge:      "larger than 1 MiB, no token file",
		ExportWhyNotExportable: "not a token file of the auth dir that can be exported (a link, a directory or a name that is never a token)",
		PromptPassphrase:       "Passphrase of the bundle: ",
		PromptPassphraseAgain:  "The same passphrase again: ",

		ErrExportArgs:       "name the token files to export, or select them (--all, --provider, --status, --expiring, --health-below)",
		ErrExportNothing:    "no token file matches the selection; nothing was written",
		ErrExportNoOut:      "give the bundle's file with --out FILE",
		ErrExportOutDir:     "--out %s is a directory: give a file name",
		ErrExportFile:       "cannot export %s: %s",
		ErrExportWrite:      "cannot write the bundle %s: %s",
		ErrHandoff:          "cannot hand the files off: %v",
		ErrHandoffBusy:      "%s keeps changing (refreshed meanwhile); try the export again",
		ExportFile:          "📦 %s",
		ExportSourceSkipped: "%s is another tool's file and is not exported: on the other machine, log in with its tool (%s)",
		ExportHandedOff:     "   🔒 handed off: this machine no longer refreshes %s (an import or a login here takes it back)",
		ExportForkWarning:   "warning: %s (%s) gets a new refresh token at every refresh: this copy and the bundle's fork at the next refresh of either, and the other one stops working. Use only one of them, or export with --handoff",
		ExportNoSecrets:     "   the providers' client secrets are left out (--include-secrets puts them in)",
		ExportDone:          "✅ %d file(s) exported to %s (encrypted with age)",

		ErrOnConflict:        "unknown --on-conflict %q: use newer, skip or rename",
		ErrBundleWrongKey:    "%s: wrong passphrase or key; nothing was written",
		ErrBundleCorrupt:     "%s is damaged (truncated or changed); nothing was written",
		ErrBundleNotBundle:   "%s is not a token bundle (an age file); nothing was written",
		ErrBundleNewer:       "%s was written by a newer version (bundle format %d, this one reads up to %d); update routecodex; nothing was written",
		ErrImportFailed:      "%d file(s) could not be written",
		ImportDryRun:         "Plan (dry run: nothing is written):",
		ImportCreate:         "➕ %s: new here",
		ImportCreated:        "➕ %s: new here, written",
		ImportReplaced:       "🔁 %[2]s: replaced by the bundle's newer copy (%[1]s)",
		ImportRenamed:        "🆕 %s → saved as %s (the name belongs to another account here)",
		ImportReplace:        "🔁 %[2]s: the bundle's copy (%[1]s) is newer and replaces it",
		ImportRename:         "🆕 %s → %s (the name belongs to another account here)",
		ImportSame:           "✅ %[2]s: already the same here (%[1]s)",
		ImportSkip:           "⏭  %s: skipped, %s",
		ImportFailed:         "❌ %s: not written: %s",
		ImportAliasesAdded:   "aliases added to config.json: %s",
		ImportAliasesKept:    "aliases kept as config.json has them: %s",
		ImportProvidersAdded: "providers added to config.json: %s",
		ImportProvidersKept:  "providers kept as config.json has them: %s",

		"import.why.not_newer":       "the copy here (%s) is as new or newer",
		"import.why.other_account":   "%s here belongs to another account (--on-conflict rename keeps both)",
		"import.why.unknown_account": "cannot tell whether %s here is the same account (--on-conflict rename keeps both)",
		"import.why.exists":          "%s exists here",
		"import.why.invalid":         "the bundle's %s is not a usable token file",
		"import.why.changed":         "%s changed here while importing",
		"import.why.not_token_name":  "%s is not a token file name here",

		"transfer.cfgMerge":                 "cannot merge %s of the bundle: %s",
		"reason.handed_off":                 "handed off",
		"reason.not_refreshable.handed_off": "not refreshable: handed off to another machine (export --handoff); import or log in to take it back",

		"web.transfer.title":           "Export and import",
		"web.transfer.export":          "Export every account",
		"web.transfer.exportHint":      "Downloads one encrypted file (age) with every token file, its alias and the providers of config.json. Rotating tokens (qwen, iflow, codex, claude) fork at the next refresh unless handed off.",
		"web.transfer.passphrase":      "Passphrase",
		"web.transfer.passphraseAgain": "The same passphrase again",
		"web.transfer.handoff":         "Hand off: this machine stops refreshing the exported files",
		"web.transfer.secrets":         "Include the providers' client secrets",
		"web.transfer.exportButton":    "Export and download",
		"web.transfer.import":          "Import a bundle",
		"web.transfer.importHint":      "A file of another account is never written over an existing one.",
		"web.transfer.bundle":          "Bundle file",
		"web.transfer.onConflict":      "When the file exists here",
		"web.transfer.newer":           "replace an older copy of the same account (newer)",
		"web.transfer.skip":            "never replace (skip)",
		"web.transfer.rename":          "keep both under a new name (rename)",
		"web.transfer.dryRun":          "Dry run: show the plan, write nothing",
		"web.transfer.importButton":    "Import",
		"web.transfer.needPassphrase":  "Give a passphrase.",
		"web.transfer.mismatch":        "The two passphrases differ.",
		"web.transfer.needFile":        "Choose the bundle file.",
		"web.transfer.badUpload":       "The upload is not the form of a bundle file.",
		"web.transfer.tooLarge":        "The bundle file is too large (at most %d MiB).",
		"web.transfer.exportOff":       "Export is not available here.",
		"web.transfer.importOff":       "Import is not available here.",
		"web.transfer.exported":        "%d file(s) exported.",

		"help.token-daemon.export.short": "Export token files and their settings into an encrypted bundle (age) for another machine",
		"help.token-daemon.export.long": "Writes the selected token files byte for byte with their modes, their aliases and the\n" +
			"tokenDaemon providers of config.json into one encrypted file (a standard age file).\n" +
			"The passphrase comes from --passphrase-file, ROUTECODEX_EXPORT_PASSPHRASE, or is asked\n" +
			"twice on the terminal; --recipient age1… encrypts to a key instead. Rotating tokens\n" +
			"(qwen, iflow, codex, claude) fork at the next refresh: --handoff makes this machine\n" +
			"stop refreshing them (shown static, handed off) until an import or login here.",
		"help.token-daemon.export.example":              "  routecodex token-daemon export --all --out tokens.age\n  routecodex token-daemon export qwen-oauth-1-work --handoff --recipient age1… --out work.age",
		"help.token-daemon.export.flag.out":             "the bundle `file` to write (0600, replaced atomically)",
		"help.token-daemon.export.flag.recipient":       "encrypt to this age public `key` (age1…) instead of a passphrase; repeatable",
		"help.token-daemon.export.flag.passphrase-file": "read the passphrase from the first line of `file`",
		"help.token-daemon.export.flag.armor":           "write ASCII armor (text) instead of binary",
		"help.token-daemon.export.flag.include-secrets": "keep the providers' client secrets in the bundle",
		"help.token-daemon.export.flag.handoff":         "stop refreshing the exported files here: the other machine takes them over",
		"help.token-daemon.import.short":                "Import a bundle made by export: token files and their settings",
		"help.token-daemon.import.long": "Decrypts the bundle, checks every file and writes it through the locked atomic write.\n" +
			"--on-conflict newer (default) replaces only an older copy of the same account; skip\n" +
			"never replaces; rename saves a file whose name belongs to another account here as the\n" +
			"next free <provider>-oauth-<n>-<alias>.json. A file of another account is never written\n" +
			"over. Aliases and providers are added to config.json, keeping what is there.",
		"help.token-daemon.import.flag.dry-run":         "print the plan and write nothing",
		"help.token-daemon.import.flag.on-conflict":     "`rule` for a file that exists here: newer, skip or rename",
		"help.token-daemon.import.flag.identity":        "age identity `file` (AGE-SECRET-KEY-1…) of a bundle made with --recipient",
		"help.token-daemon.import.flag.passphrase-file": "read the passphrase from the first line of `file`",
	}, map[Key]string{
		ErrKeyBoth:             "请只给出 --recipient 或口令之一",
		ErrBadRecipient:        "--recipient %q 不是 age 公钥（age1…）",
		ErrReadFile:            "无法读取 %s：%s",
		ErrEmptyPassphrase:     "口令为空（%s）",
		ErrNoPassphrase:        "没有口令：请用 --passphrase-file FILE、设置 %s，或在终端中运行（也可用 --recipient age1… 加密）",
		ErrPassphraseMismatch:  "两次输入的口令不一致；未写入任何内容",
		ErrNoPassphraseImport:  "没有口令：请用 --passphrase-file FILE、设置 %s，或在终端中运行（用 age 公钥加密的导出包请用 --identity FILE 打开）",
		ExportWhyTooLarge:      "大于 1 MiB，不是 Token 文件",
		ExportWhyNotExportable: "不是 auth 目录中可导出的 Token 文件（链接、目录或永远不作为 Token 的名称）",
		PromptPassphrase:       "导出包的口令：",
		PromptPassphraseAgain:  "再次输入口令：",

		ErrExportArgs:       "请指定要导出的 Token 文件，或用选择器选择（--all、--provider、--status、--expiring、--health-below）",
		ErrExportNothing:    "没有符合条件的 Token 文件；未写入任何内容",
		ErrExportNoOut:      "请用 --out FILE 指定导出包文件",
		ErrExportOutDir:     "--out %s 是目录：请给出文件名",
		ErrExportFile:       "无法导出 %s：%s",
		ErrExportWrite:      "无法写入导出包 %s：%s",
		ErrHandoff:          "无法移交这些文件：%v",
		ErrHandoffBusy:      "%s 一直在变化（期间被刷新）；请重新导出",
		ExportFile:          "📦 %s",
		ExportSourceSkipped: "%s 是其他工具的文件，不会导出：请在另一台机器上用该工具登录（%s）",
		ExportHandedOff:     "   🔒 已移交：本机不再刷新 %s（在本机导入或登录即可收回）",
		ExportForkWarning:   "警告：%s（%s）每次刷新都会换新的 refresh token：本机副本与导出包中的副本会在任一方下次刷新时分叉，另一份随即失效。请只使用其中一份，或用 --handoff 导出",
		ExportNoSecrets:     "   未包含提供商的 client secret（--include-secrets 可包含）",
		ExportDone:          "✅ 已导出 %d 个文件到 %s（age 加密）",

		ErrOnConflict:        "未知的 --on-conflict %q：请用 newer、skip 或 rename",
		ErrBundleWrongKey:    "%s：口令或密钥错误；未写入任何内容",
		ErrBundleCorrupt:     "%s 已损坏（被截断或改动）；未写入任何内容",
		ErrBundleNotBundle:   "%s 不是 Token 导出包（age 文件）；未写入任何内容",
		ErrBundleNewer:       "%s 由更新的版本写出（导出包格式 %d，本版本最高读取 %d）；请升级 routecodex；未写入任何内容",
		ErrImportFailed:      "%d 个文件未能写入",
		ImportDryRun:         "计划（试运行：不写入任何内容）：",
		ImportCreate:         "➕ %s：本机没有",
		ImportCreated:        "➕ %s：本机没有，已写入",
		ImportReplaced:       "🔁 %[2]s：已用导出包中更新的副本替换（%[1]s）",
		ImportRenamed:        "🆕 %s → 已另存为 %s（本机该文件名属于另一个账号）",
		ImportReplace:        "🔁 %[2]s：导出包中的副本（%[1]s）更新，将替换它",
		ImportRename:         "🆕 %s → %s（本机该文件名属于另一个账号）",
		ImportSame:           "✅ %[2]s：本机内容已相同（%[1]s）",
		ImportSkip:           "⏭  %s：已跳过，%s",
		ImportFailed:         "❌ %s：未写入：%s",
		ImportAliasesAdded:   "已加入 config.json 的别名：%s",
		ImportAliasesKept:    "保留 config.json 中已有的别名：%s",
		ImportProvidersAdded: "已加入 config.json 的提供商：%s",
		ImportProvidersKept:  "保留 config.json 中已有的提供商：%s",

		"import.why.not_newer":       "本机的副本（%s）同样新或更新",
		"import.why.other_account":   "本机的 %s 属于另一个账号（--on-conflict rename 可同时保留）",
		"import.why.unknown_account": "无法判断本机的 %s 是否为同一账号（--on-conflict rename 可同时保留）",
		"import.why.exists":          "本机已有 %s",
		"import.why.invalid":         "导出包中的 %s 不是可用的 Token 文件",
		"import.why.changed":         "导入期间本机的 %s 发生了变化",
		"import.why.not_token_name":  "%s 在本机不是 Token 文件名",

		"transfer.cfgMerge":                 "无法合并导出包中的 %s：%s",
		"reason.handed_off":                 "已移交",
		"reason.not_refreshable.handed_off": "无法刷新：已移交给另一台机器（export --handoff）；在本机导入或登录即可收回",

		"web.transfer.title":           "导出与导入",
		"web.transfer.export":          "导出全部账号",
		"web.transfer.exportHint":      "下载一个加密文件（age），包含所有 Token 文件、它们的别名以及 config.json 中的提供商。轮换型 Token（qwen、iflow、codex、claude）若不移交，会在下次刷新时分叉。",
		"web.transfer.passphrase":      "口令",
		"web.transfer.passphraseAgain": "再次输入口令",
		"web.transfer.handoff":         "移交：本机停止刷新导出的文件",
		"web.transfer.secrets":         "包含提供商的 client secret",
		"web.transfer.exportButton":    "导出并下载",
		"web.transfer.import":          "导入导出包",
		"web.transfer.importHint":      "绝不会用另一个账号的文件覆盖已有文件。",
		"web.transfer.bundle":          "导出包文件",
		"web.transfer.onConflict":      "本机已有该文件时",
		"web.transfer.newer":           "替换同一账号较旧的副本（newer）",
		"web.transfer.skip":            "从不替换（skip）",
		"web.transfer.rename":          "以新文件名同时保留（rename）",
		"web.transfer.dryRun":          "试运行：只显示计划，不写入",
		"web.transfer.importButton":    "导入",
		"web.transfer.needPassphrase":  "请输入口令。",
		"web.transfer.mismatch":        "两次输入的口令不一致。",
		"web.transfer.needFile":        "请选择导出包文件。",
		"web.transfer.badUpload":       "上传的内容不是导出包文件的表单。",
		"web.transfer.tooLarge":        "导出包文件太大（最多 %d MiB）。",
		"web.transfer.exportOff":       "此处不提供导出。",
		"web.transfer.importOff":       "此处不提供导入。",
		"web.transfer.exported":        "已导出 %d 个文件。",

		"help.token-daemon.export.short": "把 Token 文件及其设置导出为加密包（age），用于迁移到另一台机器",
		"help.token-daemon.export.long": "把选中的 Token 文件按原字节和权限、它们的别名以及 config.json 中 tokenDaemon 的\n" +
			"providers 写入一个加密文件（标准 age 文件）。口令来自 --passphrase-file、\n" +
			"ROUTECODEX_EXPORT_PASSPHRASE，或在终端中输入两次；--recipient age1… 则改用公钥加密。\n" +
			"轮换型 Token（qwen、iflow、codex、claude）会在下次刷新时分叉：--handoff 让本机停止\n" +
			"刷新它们（显示为只读、已移交），直到在本机导入或登录。",
		"help.token-daemon.export.example":              "  routecodex token-daemon export --all --out tokens.age\n  routecodex token-daemon export qwen-oauth-1-work --handoff --recipient age1… --out work.age",
		"help.token-daemon.export.flag.out":             "要写入的导出包`文件`（0600，原子替换）",
		"help.token-daemon.export.flag.recipient":       "改用此 age `公钥`（age1…）加密，而不用口令；可重复",
		"help.token-daemon.export.flag.passphrase-file": "从`文件`的第一行读取口令",
		"help.token-daemon.export.flag.armor":           "写成 ASCII armor（文本）而不是二进制",
		"help.token-daemon.export.flag.include-secrets": "在导出包中保留提供商的 client secret",
		"help.token-daemon.export.flag.handoff":         "本机停止刷新导出的文件：由另一台机器接管",
		"help.token-daemon.import.short":                "导入 export 生成的导出包：Token 文件及其设置",
		"help.token-daemon.import.long": "解密导出包，检查每个文件，并通过加锁的原子写入写入。--on-conflict newer（默认）\n" +
			"只替换同一账号较旧的副本；skip 从不替换；rename 把与本机另一账号同名的文件另存为\n" +
			"下一个空闲的 <provider>-oauth-<n>-<alias>.json。绝不会用另一个账号的文件覆盖已有文件。\n" +
			"别名和提供商会加入 config.json，已有的保持不变。",
		"help.token-daemon.import.flag.dry-run":         "只打印计划，不写入任何内容",
		"help.token-daemon.import.flag.on-conflict":     "本机已有该文件时的`规则`：newer、skip 或 rename",
		"help.token-daemon.import.flag.identity":        "用 --recipient 生成的导出包所需的 age 私钥`文件`（AGE-SECRET-KEY-1…）",
		"help.token-daemon.import.flag.passphrase-file": "从`文件`的第一行读取口令",
	})
}
