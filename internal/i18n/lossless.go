package i18n

// Keys of the lossless shutdown (DESIGN.md section 10).
const (
	DaemonStopWaiting Key = "daemon.stopWaiting"
)

func init() {
	add(map[Key]string{
		DaemonStopWaiting: "waiting for %d token request(s) already sent to be answered and written (at most %s)…",
	}, map[Key]string{
		DaemonStopWaiting: "正在等待 %d 个已发出的令牌请求返回并写入（最多 %s）…",
	})
}
