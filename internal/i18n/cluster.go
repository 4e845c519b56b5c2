package i18n

// Cluster mode (DESIGN.md section 16): tokenDaemon.cluster, `token-daemon
// cluster init|join`, the cluster line of `status`.
const (
	ClusterKeyExists     Key = "cluster.keyExists"        // %s key file
	ClusterInitDone      Key = "cluster.initDone"         // %s key file, %s public key, %s config snippet
	ClusterJoinOK        Key = "cluster.joinOK"           // %s endpoints, %s version, %s node, %s key file, %d files
	ClusterJoinNoConfig  Key = "cluster.joinNoConfig"     // %s config file
	ClusterJoinNoEtcd    Key = "cluster.joinNoEtcd"       // %s endpoints, %s error
	ClusterJoinWrongKey  Key = "cluster.joinWrongKey"     // %s key file
	ClusterNotBuilt      Key = "cluster.notBuilt"         // %s config file
	ClusterStatusLine    Key = "cluster.statusLine"       // %s role word, %s node, %s leader, %s members
	ClusterRoleLeader    Key = "cluster.role.leader"      //
	ClusterRoleFollower  Key = "cluster.role.follower"    //
	ClusterRoleUnreached Key = "cluster.role.unreachable" //
	ClusterNone          Key = "cluster.none"             // "-" for an unknown leader
	ClusterWebLine       Key = "cluster.webLine"          // %s node, %s role word, %s leader, %v members
	ReasonClusterDown    Key = "reason.cluster_unreachable"
)

func init() {
	add(map[Key]string{
		"help.token-daemon.cluster.short":          "Cluster mode: several hosts share one set of accounts through etcd",
		"help.token-daemon.cluster.init.short":     "Create the cluster's shared age key and print what to copy to the other nodes",
		"help.token-daemon.cluster.init.flag.key":  "where to write the key (default <home>/cluster.key)",
		"help.token-daemon.cluster.init.flag.etcd": "etcd endpoint(s) for the printed configuration",
		"help.token-daemon.cluster.join.short":     "Check that this node reaches etcd and holds the cluster's key",
		ClusterKeyExists:                           "the cluster key %s already exists; not overwriting it (remove it first to make a new one)",
		ClusterInitDone:                            "Created the cluster key %s (public key %s).\nCopy this file to every node (mode 600, keep it secret), and put this into tokenDaemon of each node's config.json:\n%s\nThen run `routecodex token-daemon cluster join` on each node, and start the daemons; the first one seeds etcd from its files.",
		ClusterJoinOK:                              "etcd %s answers (version %s); node %s; the key %s opens the cluster's files (%d in etcd). Ready to join.",
		ClusterJoinNoConfig:                        "%s has no tokenDaemon.cluster: add it first (see `routecodex token-daemon cluster init`)",
		ClusterJoinNoEtcd:                          "cannot reach etcd at %s: %s",
		ClusterJoinWrongKey:                        "the key %s does not open the cluster's files: copy the key of this cluster from a node that has it",
		ClusterNotBuilt:                            "%s sets tokenDaemon.cluster, but this routecodex was built without cluster support: use a build made with `-tags cluster`",
		ClusterStatusLine:                          "cluster: %s (node %s, leader %s, members %s)",
		ClusterRoleLeader:                          "leader",
		ClusterRoleFollower:                        "follower",
		ClusterRoleUnreached:                       "unreachable",
		ClusterNone:                                "-",
		ClusterWebLine:                             "Cluster: node %s · %s · leader %s · members %v",
		ReasonClusterDown:                          "the cluster (etcd) cannot be reached: this node does not refresh shared files until it can",
		"config: must start and end with /":        "must start and end with /",
		"config: must not contain /, spaces or control characters":  "must not contain /, spaces or control characters",
		"config: is required with a password":                       "is required with a password",
		"config: must list at least one etcd URL":                   "must list at least one etcd URL",
		"config: must be an etcd URL such as http://127.0.0.1:2379": "must be an etcd URL such as http://127.0.0.1:2379",
		"config: is required with a cert":                           "is required with a cert",
		"config: is required with a key":                            "is required with a key",
		"config: etcd URLs":                                         "etcd URLs",
	}, map[Key]string{
		"help.token-daemon.cluster.short":          "集群模式：多台主机通过 etcd 共享同一组账号",
		"help.token-daemon.cluster.init.short":     "创建集群共享的 age 密钥，并打印需要复制到其他节点的内容",
		"help.token-daemon.cluster.init.flag.key":  "密钥写入位置（默认 <home>/cluster.key）",
		"help.token-daemon.cluster.init.flag.etcd": "写入示例配置的 etcd 地址",
		"help.token-daemon.cluster.join.short":     "检查本节点能否连接 etcd、是否持有集群密钥",
		ClusterKeyExists:                           "集群密钥 %s 已存在，不会覆盖（如需新密钥请先删除它）",
		ClusterInitDone:                            "已创建集群密钥 %s（公钥 %s）。\n请把此文件复制到每个节点（权限 600，妥善保密），并在每个节点 config.json 的 tokenDaemon 中加入：\n%s\n然后在每个节点运行 `routecodex token-daemon cluster join`，再启动守护进程；第一个节点会用它的文件初始化 etcd。",
		ClusterJoinOK:                              "etcd %s 可连接（版本 %s）；节点 %s；密钥 %s 能解开集群的文件（etcd 中 %d 个）。可以加入。",
		ClusterJoinNoConfig:                        "%s 中没有 tokenDaemon.cluster：请先添加（见 `routecodex token-daemon cluster init`）",
		ClusterJoinNoEtcd:                          "无法连接 etcd %s：%s",
		ClusterJoinWrongKey:                        "密钥 %s 解不开集群的文件：请从已加入的节点复制本集群的密钥",
		ClusterNotBuilt:                            "%s 设置了 tokenDaemon.cluster，但此 routecodex 构建时未包含集群支持：请使用以 `-tags cluster` 构建的版本",
		ClusterStatusLine:                          "集群：%s（节点 %s，领导者 %s，成员 %s）",
		ClusterRoleLeader:                          "领导者",
		ClusterRoleFollower:                        "跟随者",
		ClusterRoleUnreached:                       "不可达（unreachable）",
		ClusterNone:                                "-",
		ClusterWebLine:                             "集群：节点 %s · %s · 领导者 %s · 成员 %v",
		ReasonClusterDown:                          "无法连接集群（etcd）：恢复连接前本节点不刷新共享文件",
		"config: must start and end with /":        "必须以 / 开头并以 / 结尾",
		"config: must not contain /, spaces or control characters":  "不能包含 /、空格或控制字符",
		"config: is required with a password":                       "设置了密码时必填",
		"config: must list at least one etcd URL":                   "至少要列出一个 etcd 地址",
		"config: must be an etcd URL such as http://127.0.0.1:2379": "必须是 etcd 地址，如 http://127.0.0.1:2379",
		"config: is required with a cert":                           "设置了 cert 时必填",
		"config: is required with a key":                            "设置了 key 时必填",
		"config: etcd URLs":                                         "etcd 地址",
	})
}
