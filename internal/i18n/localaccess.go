package i18n

// Local access (DESIGN.md section 10, "Letting no one else in").
const (
	ErrHomeForeignOwner Key = "localaccess.foreignOwner"
	ErrHomeWritable     Key = "localaccess.writable"
	ErrHomeSymlink      Key = "localaccess.symlink"
	ErrUntrustedDaemon  Key = "localaccess.untrustedDaemon"
	ErrStopUnconfirmed  Key = "localaccess.stopUnconfirmed"
	ErrNotDaemonURL     Key = "localaccess.notDaemonURL"
)

func init() {
	add(map[Key]string{
		ErrHomeForeignOwner: "refusing %s: it belongs to uid %d, not to you (uid %d); use a home of your own",
		ErrHomeWritable:     "refusing %s: group or others can write to it (mode %04o); run chmod go-w on it",
		ErrHomeSymlink:      "refusing %s: it is a symbolic link; remove it",
		ErrUntrustedDaemon:  "refusing the answer on %s: the process serving it runs as uid %d, not as you (uid %d)",
		ErrStopUnconfirmed:  "the token daemon does not answer on its socket, and pid %d cannot be confirmed as the daemon; not signalling it",
		ErrNotDaemonURL:     "refusing to open a page that is not on the token daemon's own web server",
	}, map[Key]string{
		ErrHomeForeignOwner: "拒绝使用 %s：它属于 uid %d，而不是你（uid %d）；请使用你自己的目录",
		ErrHomeWritable:     "拒绝使用 %s：组或其他用户可以写入（权限 %04o）；请执行 chmod go-w",
		ErrHomeSymlink:      "拒绝使用 %s：它是符号链接；请删除它",
		ErrUntrustedDaemon:  "拒绝 %s 上的应答：提供它的进程以 uid %d 运行，而不是你（uid %d）",
		ErrStopUnconfirmed:  "Token 守护进程在其套接字上没有应答，且无法确认 pid %d 是守护进程；不向它发送信号",
		ErrNotDaemonURL:     "拒绝打开不属于 Token 守护进程自身 Web 服务器的页面",
	})
}
