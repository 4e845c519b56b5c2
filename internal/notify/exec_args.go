package notify

// The command lines of the macOS and Windows backends are built here, in a
// file for every OS, so that tests on any machine check them. The texts are
// never spliced into a script: they travel as arguments (osascript) or
// environment variables (PowerShell), so quotes in them cannot break out.

// osascriptArgs runs `display notification` with the body and the title
// given to the script's run handler as argv.
func osascriptArgs(m message) []string {
	show := "display notification (item 1 of argv) with title (item 2 of argv)"
	if m.Sound != "" {
		show += ` sound name "Glass"`
	}
	return []string{
		"-e", "on run argv",
		"-e", show,
		"-e", "end run",
		m.Body, m.Title,
	}
}

// powerShellAppID is the AppUserModelID of Windows PowerShell: toasts from
// an unregistered id are dropped on Windows 10 and later.
const powerShellAppID = `{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe`

// toastScript shows a toast from the environment variables of toastEnv;
// CreateTextNode escapes the texts for the toast XML.
const toastScript = `$ErrorActionPreference = 'Stop'
[void][Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime]
[void][Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime]
$xml = New-Object Windows.Data.Xml.Dom.XmlDocument
$xml.LoadXml('<toast><visual><binding template="ToastGeneric"><text/><text/></binding></visual></toast>')
$texts = $xml.GetElementsByTagName('text')
[void]$texts.Item(0).AppendChild($xml.CreateTextNode($env:RCX_NOTIFY_TITLE))
[void]$texts.Item(1).AppendChild($xml.CreateTextNode($env:RCX_NOTIFY_BODY))
if ($env:RCX_NOTIFY_SILENT -eq '1') {
  $audio = $xml.CreateElement('audio')
  $audio.SetAttribute('silent', 'true')
  [void]$xml.DocumentElement.AppendChild($audio)
}
$toast = New-Object Windows.UI.Notifications.ToastNotification $xml
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($env:RCX_NOTIFY_APPID).Show($toast)
`

// powerShellArgs runs toastScript.
func powerShellArgs() []string {
	return []string{"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", toastScript}
}

// toastEnv carries the texts of m to toastScript.
func toastEnv(m message) []string {
	silent := "0"
	if m.Sound == "" {
		silent = "1"
	}
	return []string{
		"RCX_NOTIFY_TITLE=" + m.Title,
		"RCX_NOTIFY_BODY=" + m.Body,
		"RCX_NOTIFY_SILENT=" + silent,
		"RCX_NOTIFY_APPID=" + powerShellAppID,
	}
}
