package i18n

// Keys of the codex and claude logins (issue 15): the fixed callback port,
// the copy/paste variant and the device code on the terminal.
const (
	// LoginPortTaken: %[1]s provider, %[2]s its ports ("1455, 1457").
	LoginPortTaken   Key = "login.portTaken"
	LoginPasteOpen   Key = "login.pasteOpen"   // %s: the provider's page
	LoginPastePrompt Key = "login.pastePrompt" // no argument
	LoginPasteBad    Key = "login.pasteBad"    // %s: why
	LoginDeviceCode  Key = "login.deviceCode"  // %[1]s: page, %[2]s: code
	LoginUnknownFile Key = "login.unknownFile" // %s: the name
	// LoginSourceFile: %[1]s file, %[2]s its tool's login command
	LoginSourceFile Key = "login.sourceFile"
)

func init() {
	add(map[Key]string{
		LoginPortTaken:   "The %[1]s login must receive the browser on port %[2]s of this machine, and another program holds it — probably a `%[1]s login` still running. Finish or stop it, then try again.",
		LoginPasteOpen:   "Open this page in a browser on any device and sign in:\n  %s",
		LoginPastePrompt: "Then paste the code the page shows here and press Enter:",
		LoginPasteBad:    "That code was not accepted (%s); paste it again, or Ctrl+C to cancel:",
		LoginDeviceCode:  "On any device, open %[1]s and enter the code: %[2]s",
		LoginUnknownFile: "login: %s is no token file of the auth dir (see: routecodex token-daemon list)",
		LoginSourceFile:  "%[1]s is another tool's file: log in with that tool, run: %[2]s",
	}, map[Key]string{
		LoginPortTaken:   "%[1]s 登录需要在本机端口 %[2]s 接收浏览器回调，但该端口已被其他程序占用（可能是仍在运行的 `%[1]s login`）。请先完成或结束它，再重试。",
		LoginPasteOpen:   "请在任意设备的浏览器中打开以下页面并登录：\n  %s",
		LoginPastePrompt: "然后把页面显示的授权码粘贴到这里并按回车：",
		LoginPasteBad:    "授权码未被接受（%s）；请重新粘贴，或按 Ctrl+C 取消：",
		LoginDeviceCode:  "请在任意设备上打开 %[1]s 并输入代码：%[2]s",
		LoginUnknownFile: "login：%s 不是 auth 目录中的 Token 文件（参见：routecodex token-daemon list）",
		LoginSourceFile:  "%[1]s 是其他工具的文件：请用该工具登录，运行：%[2]s",
	})
}
