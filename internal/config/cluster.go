package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Cluster is tokenDaemon.cluster (DESIGN.md section 16): several hosts share
// one set of accounts through etcd, with exactly one refresher.
type Cluster struct {
	Endpoints []string // etcd client URLs, http(s)://host:port
	Username  string   // etcd auth ("" for none)
	Password  string
	TLS       ClusterTLS
	Prefix    string // default DefaultClusterPrefix; starts and ends with "/"
	Node      string // "" means the host name
	// LeaseSeconds is the TTL of the node's etcd lease (default 10): a new
	// leader takes over within it plus 2 s.
	LeaseSeconds int
	// KeyFile is the shared age identity file, as written ("" means
	// <home>/cluster.key); a relative path is relative to the home.
	KeyFile string
}

// Etcd is the endpoints list (a copy).
func (c *Cluster) Etcd() []string { return append([]string(nil), c.Endpoints...) }

// ClusterTLS are the PEM files of a TLS connection to etcd, as written.
type ClusterTLS struct {
	CA, Cert, Key string
}

// Defaults and bounds of tokenDaemon.cluster.
const (
	DefaultClusterPrefix = "/routecodex/"
	DefaultLeaseSeconds  = 10
	minLeaseSeconds      = 2
	maxLeaseSeconds      = 300
)

// cluster reads tokenDaemon.cluster. Errors never quote the password.
func (d *decoder) cluster(p string, raw json.RawMessage) (*Cluster, error) {
	c := &Cluster{Prefix: DefaultClusterPrefix, LeaseSeconds: DefaultLeaseSeconds}
	members, err := d.object(p, raw)
	if err != nil {
		return nil, err
	}
	hasEtcd := false
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "etcd":
			hasEtcd = true
			err = d.clusterEtcd(key, m.raw, c)
		case "prefix":
			c.Prefix, err = d.nonEmptyString(key, m.raw)
			if err == nil && (!strings.HasPrefix(c.Prefix, "/") || !strings.HasSuffix(c.Prefix, "/")) {
				err = d.fail(key, "must start and end with /")
			}
		case "node":
			c.Node, err = d.nonEmptyString(key, m.raw)
			if err == nil && strings.ContainsAny(c.Node, "/\x00\n\r\t ") {
				err = d.fail(key, "must not contain /, spaces or control characters")
			}
		case "leaseSeconds":
			c.LeaseSeconds, err = d.whole(key, m.raw, minLeaseSeconds, maxLeaseSeconds)
		case "keyFile":
			c.KeyFile, err = d.nonEmptyString(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasEtcd {
		return nil, d.fail(join(p, "etcd"), "is required")
	}
	return c, nil
}

func (d *decoder) clusterEtcd(p string, raw json.RawMessage, c *Cluster) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	hasPassword := false
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "endpoints":
			c.Endpoints, err = d.endpoints(key, m.raw)
		case "username":
			c.Username, err = d.nonEmptyString(key, m.raw)
		case "password":
			hasPassword = true
			c.Password, err = d.str(key, m.raw)
		case "tls":
			err = d.clusterTLS(key, m.raw, &c.TLS)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case len(c.Endpoints) == 0:
		return d.fail(join(p, "endpoints"), "is required")
	case hasPassword && c.Username == "":
		return d.fail(join(p, "username"), "is required with a password")
	}
	return nil
}

func (d *decoder) endpoints(key string, raw json.RawMessage) ([]string, error) {
	items, err := d.array(key, raw, "etcd URLs")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.fail(key, "must list at least one etcd URL")
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		s, err := d.nonEmptyString(k, it)
		if err != nil {
			return nil, err
		}
		u, perr := url.Parse(s)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, d.fail(k, "must be an etcd URL such as http://127.0.0.1:2379")
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *decoder) clusterTLS(p string, raw json.RawMessage, t *ClusterTLS) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "ca":
			t.CA, err = d.nonEmptyString(key, m.raw)
		case "cert":
			t.Cert, err = d.nonEmptyString(key, m.raw)
		case "key":
			t.Key, err = d.nonEmptyString(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case t.Cert != "" && t.Key == "":
		return d.fail(join(p, "key"), "is required with a cert")
	case t.Key != "" && t.Cert == "":
		return d.fail(join(p, "cert"), "is required with a key")
	}
	return nil
}
